"""Git hooks that link commits to issues (SPEC §9): `install` puts the scripts of `scripts/`
into the repository's hooks directory; `refs` finds the issue references in a commit message;
`run` is what the installed scripts call (`gi hooks run HOOK …`)."""
