"""Fake Gitea/Forgejo, GitHub and GitLab servers over real HTTP on 127.0.0.1, for bridge tests.

    from fakes.github import FakeGitHub
    with FakeGitHub() as gh:
        gh.add_issue("first", labels=["bug"])
        httpx.get(f"{gh.base_url}/repos/acme/widgets/issues", headers=gh.auth)
"""
