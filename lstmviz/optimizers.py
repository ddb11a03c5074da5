"""Keras 3's optimizers, by Keras' names: ``lstmviz.optimizers.Adam(learning_rate=0.005)``
as ``keras.optimizers.Adam(learning_rate=0.005)``, for ``lstmviz.fit``.

``SGD(learning_rate=0.01, momentum=0.0, nesterov=False)``, ``Adam(learning_rate=0.001,
beta_1=0.9, beta_2=0.999, epsilon=1e-7)``, ``RMSprop(learning_rate=0.001, rho=0.9,
momentum=0.0, epsilon=1e-7, centered=False)``, ``Adagrad(learning_rate=0.001,
initial_accumulator_value=0.1, epsilon=1e-7)``, each with one of ``clipnorm``,
``clipvalue`` or ``global_clipnorm``: Keras 3's defaults and update rules, update for
update (``lstmviz.engine.optimizers``, whose classes these are). ``fit`` also takes a
name (``"adam"``) with ``learning_rate=``.
"""

from __future__ import annotations

from lstmviz.engine.optimizers import SGD, Adagrad, Adam, Optimizer, RMSprop

__all__ = ["SGD", "Adam", "RMSprop", "Adagrad", "Optimizer"]
