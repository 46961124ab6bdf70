"""The fit: minibatch Adam on the training rows, written out in TensorFlow (imported only
when fitting, so everything before it runs without)."""

import platform

import numpy as np

ALIGN = 64  # bytes: TensorFlow's (Eigen's) alignment for tensor memory


def fit(x, y, recipe, sample_weight=None, verbose=1):
    """A fitted model; the same seed gives the same weights (deterministic ops)."""
    weights = np.ones(len(x), np.float32) if sample_weight is None else sample_weight
    return fit_many(x, y, recipe, np.asarray(weights, np.float32)[:, None], verbose)[0]


def fit_many(x, y, recipe, weights, verbose=1):
    """One fitted model per column of loss weights (rows, k), all in one pass: the k models
    are the k slices of one wider layer, and Adam, L2 and the loss treat each slice apart,
    so each is the model its weights alone would give on these batches.

    Minibatch Adam written out, one traced function per epoch: Keras's fit() spent more
    setting up (a data pipeline, a training loop with metrics) than fitting 5 epochs."""
    import tensorflow as tf
    import tf_keras as keras

    from .model import CLASSES, build_model, compile_model

    keras.utils.set_random_seed(recipe.seed)
    tf.config.experimental.enable_op_determinism()
    rows, batch, k = len(x), recipe.batch_size, weights.shape[1]
    wide = compile_model(build_model(recipe.l2, outputs=CLASSES * k, activation=None), recipe.learning_rate,
                         recipe.epochs * -(-rows // batch))
    # The optimizer's variables made now: made inside the traced epoch, tracing would run twice.
    wide.optimizer.build(wide.trainable_variables)
    inputs, labels, weights = _tensor(x), tf.constant(y.astype(np.int32)), tf.constant(weights)

    # The loop as tf.while_loop, not a Python loop for AutoGraph to rewrite: quicker to trace.
    @tf.function(autograph=False)
    def epoch(order):
        """One pass in the given order; the first model's mean loss, weighted as Keras weighs it."""
        def step(start, total):
            picked = order[start:start + batch]
            size = tf.cast(tf.size(picked), tf.float32)
            with tf.GradientTape() as tape:
                logits = tf.reshape(wide(tf.gather(inputs, picked), training=True), [-1, k, CLASSES])
                losses = tf.nn.sparse_softmax_cross_entropy_with_logits(
                    tf.repeat(tf.gather(labels, picked)[:, None], k, axis=1), logits) * tf.gather(weights, picked)
                loss = tf.reduce_sum(losses) / size + sum(wide.losses)
            variables = wide.trainable_variables
            wide.optimizer.apply_gradients(zip(tape.gradient(loss, variables), variables))
            return start + batch, total + tf.reduce_sum(losses[:, 0])
        _, total = tf.while_loop(lambda start, _: start < rows, step, (tf.constant(0), tf.constant(0.0)))
        return total / rows

    shuffle = np.random.default_rng(recipe.seed)
    bar = keras.utils.Progbar(recipe.epochs, unit_name="epoch") if verbose == 1 else None
    for done in range(1, recipe.epochs + 1):
        loss = float(epoch(tf.constant(shuffle.permutation(rows).astype(np.int32))))
        if bar:
            bar.update(done, [("loss", loss)])
        elif verbose == 2:
            print(f"epoch {done}/{recipe.epochs}: loss {loss:.4f}", flush=True)
    kernel, bias = wide.layers[-1].get_weights()
    models = [build_model(recipe.l2) for _ in range(k)]
    for i, model in enumerate(models):
        model.layers[-1].set_weights([kernel[:, i * CLASSES:(i + 1) * CLASSES], bias[i * CLASSES:(i + 1) * CLASSES]])
    return models


def _tensor(array):
    """A TensorFlow tensor of the array's values: its memory itself when numpy can lend it
    (tf.constant would copy the training rows, hundreds of MB, on the way to the fit)."""
    import tensorflow as tf
    if array.flags.c_contiguous and array.flags.writeable and array.ctypes.data % ALIGN == 0:
        return tf.experimental.dlpack.from_dlpack(array.__dlpack__())
    return tf.constant(array)  # TensorFlow's kernels need aligned memory


def versions():
    """The versions of what fitted the model (written into metrics.json)."""
    import tensorflow as tf
    import tf_keras
    return {"python": platform.python_version(), "numpy": np.__version__,
            "tensorflow": tf.__version__, "tf_keras": tf_keras.__version__}
