"""Text from a program, a config, a waiver or a state is data: one module per output format makes it inert there.

- :mod:`siaga.escape.terminal`: control and bidi characters removed (a name cannot move the cursor, recolour the
  report or reorder what is shown around it).
- :mod:`siaga.escape.markdown`: GitHub-flavoured Markdown text and code spans that render as the literal text
  (no link, image, autolink, mention, issue reference, emphasis, HTML or table break).
- :mod:`siaga.escape.xml`: XML 1.0 text (JUnit): characters XML 1.0 forbids shown as ``\\xNN``.

JSON and SARIF need nothing beyond :func:`json.dumps` (every string is quoted and escaped by the encoder).
"""
