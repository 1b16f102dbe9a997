"""What keeps a branch-mode store right around its writes: claims a remote accepted that the
local branch has not recorded yet (their process may have died in between), ref locks that a
killed writer left, and packing the object store the way git does after its own commits."""

from __future__ import annotations

import os

from gitissues import fs, git
from gitissues.store.backend import REF

GC_PACKS = 50  # git's gc.autoPackLimit default
GC_LOOSE = 1024  # loose objects before packing (git's gc.auto default is 6,700: ~27 MB of blocks)


def _alive(marker: str) -> bool:
    """The process whose id the marker holds is still running."""
    try:
        os.kill(int(fs.read_text(marker).strip()), 0)
    except PermissionError:
        return True
    except (OSError, ValueError):
        return False
    return True


class Pending:
    """Claim commits pushed to a remote before the local branch has them (`claim --remote`),
    one marker file each, named by the commit and holding the pusher's process id."""

    def __init__(self, paths: git.RepoPaths) -> None:
        self.paths = paths
        self.folder = os.path.join(paths.common_dir, "issue-facade", "pending")

    def commits(self) -> list[str]:
        try:
            return [e.name for e in os.scandir(self.folder) if git.is_oid(e.name)]
        except OSError:
            return []

    def mark(self, commit: str) -> None:
        """Record, before pushing it, a commit that must reach the local branch once a remote
        has accepted it."""
        fs.make_dirs(self.folder)
        with open(os.path.join(self.folder, commit), "w") as f:
            f.write(str(os.getpid()))

    def clear(self, commit: str) -> None:
        fs.unlink(os.path.join(self.folder, commit))

    def settle(self) -> None:
        """Bring in every pending commit that a remote holds (its tracking ref has it): the
        push of a claim succeeded even if the process that pushed it did not live to record
        it. One the remote does not hold was not accepted, and is dropped."""
        from gitissues.git import plumbing
        from gitissues.storemerge import merge_into

        tracked = tracking_tips(self.paths)
        for commit in self.commits():
            if _alive(os.path.join(self.folder, commit)):
                continue  # its process is still pushing or recording it
            accepted = any(plumbing.is_ancestor(self.paths, commit, t) for t in tracked
                           if plumbing.commit_exists(self.paths, t))
            if accepted and plumbing.commit_exists(self.paths, commit):
                merge_into(self.paths, REF, commit, "merge", "gi",
                           ("gi", "gi@issue-facade.invalid"))
            self.clear(commit)


def tracking_tips(paths: git.RepoPaths) -> list[str]:
    """Commits of every remote's store branch as last fetched or pushed."""
    try:
        names = {e.name for e in os.scandir(os.path.join(paths.common_dir, "refs", "remotes"))}
    except OSError:
        names = set()
    try:
        with open(os.path.join(paths.common_dir, "packed-refs")) as f:
            for line in f:
                parts = line.split()
                if len(parts) == 2 and parts[1].startswith("refs/remotes/") and (
                        parts[1].endswith("/issue-facade")):
                    names.add(parts[1][len("refs/remotes/"):-len("/issue-facade")])
    except OSError:
        pass
    found = (git.read_ref(paths, f"refs/remotes/{n}/issue-facade") for n in names)
    return [t for t in found if t]


def maybe_gc(paths: git.RepoPaths) -> None:
    """Keep the object store packed as git does after its own commits: when there are too many
    packs or loose objects, start `git gc --auto` in the background (it detaches itself);
    never in the way of a write. Loose objects are estimated as git does, from the objects/17
    folder. Unless the repository sets gc.auto itself (0: never), the bound is gi's GC_LOOSE
    rather than git's 6,700: each change adds ~8 loose objects, each taking a 4 KiB block."""
    objects = os.path.join(paths.common_dir, "objects")
    try:
        packs = sum(1 for e in os.scandir(os.path.join(objects, "pack"))
                    if e.name.endswith(".pack"))
        sample = os.path.join(objects, "17")
        in_sample = len(os.listdir(sample)) if fs.is_dir(sample) else 0
    except OSError:
        return
    if packs <= GC_PACKS and in_sample <= -(-GC_LOOSE // 256):
        return
    from gitissues.git import gitconfig

    own = gitconfig.read_config(paths).get("gc.auto")
    args = ["git", "gc", "--auto", "--quiet"]
    if own is None:
        args[1:1] = ["-c", f"gc.auto={GC_LOOSE}"]  # gi's own constant, never a configured value
    else:
        try:
            bound = int(own)
        except ValueError:
            return
        if bound <= 0 or (packs <= GC_PACKS and in_sample <= -(-bound // 256)):
            return
    import contextlib
    import subprocess

    with contextlib.suppress(OSError):
        subprocess.Popen(args, cwd=paths.top, stdin=subprocess.DEVNULL,
                         stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                         start_new_session=True)
