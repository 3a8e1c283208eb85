"""Under `mkdocs serve`, a language whose inputs did not change is not built again.

mkdocs-static-i18n builds each further language (Chinese here) inside the
first language's build, on every save. A prose edit of an English page changes
nothing the Chinese build reads, yet that build took a fifth of each rebuild.

* :mod:`.built_files` -- the files a language's build wrote, kept and put back;
* :mod:`.language_inputs` -- a digest of everything a language's build reads;
* :mod:`.plugin` -- the ``language-reuse`` MkDocs plugin: it wraps the nested
  build that mkdocs-static-i18n starts, and on an unchanged digest puts the
  kept files back and lets each plugin take back what that build gave it.

The plugins that keep state across the languages of one build say what a
language's build read from them and gave them, through four methods (see
:class:`.plugin.LanguageState`). `mkdocs build` always builds every language.
"""
