"""The device path described once: the config, the pipeline and its one executor, the
ONNX form, the model session, input sizes, and the path as a training transform (see
:mod:`nv12_widgets.model`)."""
