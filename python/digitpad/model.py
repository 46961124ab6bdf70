"""The model: softmax regression, the classic first MNIST model.

One Dense(11, softmax) layer on the 784 pixels: each digit, and "not a digit",
gets a 28x28 weight template plus a bias, the pixel-wise dot product with the input
scores how much the drawing looks like it, and softmax turns the eleven scores into
probabilities. 8,635 numbers in all, small enough to show and to train in a page.

We use tf_keras (Keras 2) rather than Keras 3: the tensorflowjs converter writes
a model.json from a Keras 2 model that TF.js 4.x's loadLayersModel reads.
"""

import tf_keras as keras

from .recipe import CLASS_NAMES
from .spec import PREPROCESS

INPUTS = PREPROCESS["SIZE"] * PREPROCESS["SIZE"]  # the input image, flattened
CLASSES = len(CLASS_NAMES)


def build_model(l2=1e-5, outputs=CLASSES, activation="softmax"):
    """Dense(11, softmax) on flat pixels scaled to [0, 1], L2 on the weights. (The trainer
    fits several such models at once as one wider layer without the softmax.)"""
    regularizer = keras.regularizers.l2(l2) if l2 else None
    return keras.Sequential([
        keras.Input(shape=(INPUTS,), name="pixels"),
        keras.layers.Dense(outputs, activation=activation, name="softmax",
                           kernel_regularizer=regularizer),
    ], name="digitpad_softmax")


def compile_model(model, learning_rate, total_steps):
    """Adam with a cosine-decaying rate: big steps early, fine ones at the end,
    which fits this convex problem far better than the TF1 tutorial's plain SGD."""
    schedule = keras.optimizers.schedules.CosineDecay(learning_rate, total_steps)
    model.compile(optimizer=keras.optimizers.Adam(schedule), loss="sparse_categorical_crossentropy")
    return model


def load(path):
    return keras.models.load_model(path, compile=False)
