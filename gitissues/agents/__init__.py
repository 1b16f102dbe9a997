"""Agent integration (SPEC §3, `gi prime` and `gi setup`): the workflow guide tailored to a
repository (`guide`), and the files each agent tool reads — Claude Code, Codex, Cursor and
AGENTS.md — edited so that nothing outside gi's own keys or markers changes (`jsonedit` for
JSON, `blocks` for marked sections, `setup` for which file gets what).
"""
