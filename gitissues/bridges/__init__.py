"""Bridges: mirror issues to Gitea/Forgejo, GitHub, GitLab, Jira and Linear (SPEC §8)."""
