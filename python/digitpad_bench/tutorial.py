"""The original TF1 MNIST tutorial's softmax, ported faithfully: a TF1-style graph,
placeholders and feed_dict, plain SGD lr 0.01, batch 100, 10 epochs, raw pixels.

`python -m digitpad_bench.tutorial [MNIST folder]` runs it as its own whole process
(the baseline `make bench` times `make train` against); besides TensorFlow it
imports only numpy and digitpad's MNIST reader, as the tutorial imported only TensorFlow:
not the trainer (digitpad.train and its modules), whose compiled preprocessing and Keras would lengthen the baseline.
"""

import sys
import time

import numpy as np

from digitpad.data import load_mnist, to_inputs


def bench_tutorial(mnist, epochs=10, batch=100, learning_rate=0.01, seed=0):
    """Fit and evaluate; fit seconds counted after data loading and graph building."""
    import tensorflow as tf
    v1 = tf.compat.v1
    (x_train, y_train, x_test, y_test), _ = mnist
    x_train, x_test = to_inputs(x_train), to_inputs(x_test)
    onehot = np.eye(10, dtype=np.float32)
    graph = tf.Graph()
    with graph.as_default():
        v1.set_random_seed(seed)
        x = v1.placeholder(tf.float32, [None, 784])
        y_ = v1.placeholder(tf.float32, [None, 10])
        W = tf.Variable(tf.zeros([784, 10]))
        b = tf.Variable(tf.zeros([10]))
        y = tf.nn.softmax(tf.matmul(x, W) + b)
        cross_entropy = tf.reduce_mean(-tf.reduce_sum(y_ * tf.math.log(y + 1e-10), axis=1))
        train_step = v1.train.GradientDescentOptimizer(learning_rate).minimize(cross_entropy)
        with v1.Session(graph=graph) as sess:
            sess.run(v1.global_variables_initializer())
            rng = np.random.default_rng(seed)
            started = time.perf_counter()
            for _ in range(epochs):
                order = rng.permutation(len(x_train))
                for i in range(0, len(order), batch):
                    idx = order[i:i + batch]
                    sess.run(train_step, feed_dict={x: x_train[idx], y_: onehot[y_train[idx]]})
            seconds = time.perf_counter() - started
            probs = sess.run(y, feed_dict={x: x_test})
    accuracy = float((probs.argmax(axis=1) == y_test).mean())
    return {"name": "TF1 tutorial's recipe (graph, SGD 0.01)", "accuracy": accuracy, "fit_seconds": seconds}


if __name__ == "__main__":
    result = bench_tutorial(load_mnist(sys.argv[1] if len(sys.argv) > 1 else None))
    print(f"test accuracy {result['accuracy']:.4f}, fit {result['fit_seconds']:.1f} s")
