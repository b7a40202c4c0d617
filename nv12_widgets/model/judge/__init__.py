"""What a comparison means: results and verdict rules, the task answers of every path and
their pictures, the configuration check and the cost of a mistake, the pixel readout, the
finding assembler (see :mod:`nv12_widgets.model`)."""
