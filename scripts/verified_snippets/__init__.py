"""Snippets run against PyTorch, their outputs shown on the pages, their numbers bound into the text.

The stages, snippet -> run -> record -> page, and the module for each:

1. **snippet**: `layout` (where snippets, outputs, pages and notebooks live),
   `source_plan` (a snippet's sections, options and top-level statements).
2. **run**: `cli` (the `run-snippets` command) -> `runner` (which snippets are
   stale, per `freshness`; one run at a time, per `run_lock`) -> `worker_pool`
   (fork servers, one per job) -> `worker` (imports torch once, forks a child
   per snippet) -> `child` (runs one snippet in a sandbox; `figure_capture`
   takes the matplotlib figures each region leaves open, drawn with the
   `figure_backend` and made deterministic by `figure_svg`). `messages` types
   what travels between them; `usable_cpus`, `parent_death` and `environment`
   are the small pieces they share.
3. **record**: `output_records` (the committed JSON of a run, hashed),
   written by `record_writer` in bursts, through `atomic_files`, with
   `figure_files` (each figure's SVG beside its record); `notebooks` builds
   each article's notebook from the same records.
4. **page**: `plugin` (the MkDocs plugin, configured by `config`) ->
   `site_state` (freshness and serve-time re-runs during a build) ->
   `page_markup` (outputs under code, values bound into prose and math;
   `figure_markup` puts figures under them, in the page's language), which
   reads pages through `page_structure` (the one Markdown reader).
   `value_provenance` makes each bound value a link to its output, named by
   where it comes from (in math through KaTeX's `\\htmlData`); `citation`
   writes each article's "Cite this page" block; `build_caches` keeps the
   theme's templates compiled and listed across `mkdocs serve` rebuilds.
   What a build need not redo is kept by content in `.cache/`, through
   `kept_results`: `render_memo` (each page's Markdown converted once, its
   output blocks apart, through `output_slots`, so a new output converts
   only its block), the
   formulas with their values linked, and the inputs each notebook was
   written from; `serve_watch` keeps a serve-time re-run's own writes from
   starting a second rebuild. Within one `mkdocs serve`, `bound_page_memo`
   keeps each page's bound Markdown while nothing it is made from changed,
   and `highlight_memo` keeps Pygments' colours of each code block.

5. **environment matrix**: `environments` (the named ways to run the same
   snippets: cpu-native, cpu-<capability>, cuda, torch-X.Y.Z) -> `matrix_run`
   (a run of one environment through the same runner, its results written as
   cells by `matrix_records`, beside the records; a release's interpreter from
   `release_env`) -> `matrix_compare` (a cell against its record: values in ulp,
   lines by `printed_numbers`) -> `matrix_state` (every snippet in every
   environment, stale or not) -> `matrix_page` and `matrix_site` (the page and
   the articles' links, during a build) and `upgrade_report`. `matrix` is its
   command; `shards` splits any run over machines and merges the results.

`settings` carries the plugin's options to `run-snippets`, which reads
mkdocs.yml itself. Everything here uses only the standard library at import
time (MkDocs and markdown-it where a module says so), so that `mkdocs build`
and `run-snippets --check` never import PyTorch or matplotlib: only the worker
and the child do (`figure_backend` is imported by matplotlib in the child).
"""
