"""Workflows over many images: the infrastructure ``evaluate`` and ``sweep`` share.

One module per concept:

* ``imagesets``: the one image-set collector, its suffix tables, labels;
* ``execution``: serial / any ``concurrent.futures.Executor`` / Dask ``Client``, the
  per-worker cache, progress, cancel - runs a task object over items;
* ``statistics``: bootstrap intervals, paired bootstrap, exact McNemar (public: other
  tools read their intervals and p-values from here);
* ``results_store``: the JSON-lines results file (writer and public reader);
* ``agreement``: task agreement per output kind (the hook for new kinds);
* ``evaluate_task``: one image of ``evaluate``; ``dataset_result``: its aggregates;
* ``board_rung``: board output dumps as a rung of the ladder;
* ``demo``: the labelled orientation pages.

``nv12_widgets.model.workflows.dataset`` (``evaluate``) and ``nv12_widgets.model.workflows.sweep`` wire them.
"""
