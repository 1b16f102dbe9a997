"""Git hooks that link commits to issues (SPEC §9): `install` puts the scripts of `scripts/`
into the repository's hooks directory; they decide in the shell whether there is anything to do
and only then call `gi hooks run HOOK …` (`run`). `refs` finds the issue references in a commit
message, `commits` reads what git has (the new commit, what a merge or rebase brought, the
default branch), `links` makes the one store change a hook run leads to, and `push` takes the
store branch along on `git push`."""
