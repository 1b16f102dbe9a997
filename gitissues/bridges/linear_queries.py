"""The GraphQL documents the Linear bridge sends, checked against Linear's schema by the tests.

Linear refuses a query whose complexity passes 10,000 points (an object costs 1, a scalar 0.1,
a connection multiplies by its `first`, 50 when not given), so the lists nested in an issue
are small: a page of 50 issues with 20 labels, 20 comments and 20 inverse relations each
costs about 7,000. An issue with more of any fetches the rest on its own.
"""

from __future__ import annotations

PAGE = 50  # issues a page
NESTED = 20  # labels, comments, relations read along with each issue

ISSUE_FIELDS = f"""
fragment GiIssue on Issue {{
  id identifier url title description priority updatedAt
  state {{ id name type }}
  team {{ id key }}
  assignee {{ id displayName email name }}
  projectMilestone {{ id name }}
  labels(first: {NESTED}) {{ nodes {{ id name }} pageInfo {{ hasNextPage endCursor }} }}
  comments(first: {NESTED}) {{
    nodes {{ id body createdAt updatedAt user {{ displayName name }} }}
    pageInfo {{ hasNextPage endCursor }}
  }}
  inverseRelations(first: {NESTED}) {{
    nodes {{ id type issue {{ id }} }}
    pageInfo {{ hasNextPage endCursor }}
  }}
}}
"""

TEAM_BY_KEY = """
query GiTeam($key: String!) {
  teams(filter: {key: {eqIgnoreCase: $key}}) { nodes { id key name } }
}
"""

# the team by its id (a renamed key still finds it) and the first page of its issues, at once
TEAM_AND_ISSUES = f"""
query GiTeamIssues($team: String!, $filter: IssueFilter) {{
  team(id: $team) {{ id key name }}
  issues(first: {PAGE}, orderBy: updatedAt, filter: $filter) {{
    nodes {{ ...GiIssue }}
    pageInfo {{ hasNextPage endCursor }}
  }}
}}
{ISSUE_FIELDS}"""

ISSUES = f"""
query GiIssues($filter: IssueFilter, $after: String) {{
  issues(first: {PAGE}, after: $after, orderBy: updatedAt, filter: $filter) {{
    nodes {{ ...GiIssue }}
    pageInfo {{ hasNextPage endCursor }}
  }}
}}
{ISSUE_FIELDS}"""

ISSUE = f"""
query GiIssue($id: String!) {{
  issue(id: $id) {{ ...GiIssue }}
}}
{ISSUE_FIELDS}"""

# the rest of one issue's nested lists, when the first NESTED were not all
MORE_COMMENTS = """
query GiComments($id: String!, $after: String) {
  issue(id: $id) {
    comments(first: 100, after: $after) {
      nodes { id body createdAt updatedAt user { displayName name } }
      pageInfo { hasNextPage endCursor }
    }
  }
}
"""

MORE_LABELS = """
query GiLabelsOf($id: String!, $after: String) {
  issue(id: $id) {
    labels(first: 100, after: $after) { nodes { id name } pageInfo { hasNextPage endCursor } }
  }
}
"""

MORE_RELATIONS = """
query GiRelationsOf($id: String!, $after: String) {
  issue(id: $id) {
    inverseRelations(first: 100, after: $after) {
      nodes { id type issue { id } }
      pageInfo { hasNextPage endCursor }
    }
  }
}
"""

BLOCKERS = f"""
query GiBlockers($ids: [ID!], $after: String) {{
  issues(first: {PAGE}, after: $after, filter: {{id: {{in: $ids}}}}) {{
    nodes {{
      id
      inverseRelations(first: {NESTED}) {{
        nodes {{ id type issue {{ id }} }}
        pageInfo {{ hasNextPage endCursor }}
      }}
    }}
    pageInfo {{ hasNextPage endCursor }}
  }}
}}
"""

STATES = """
query GiStates($team: String!) {
  team(id: $team) { states(first: 100) { nodes { id name type position } } }
}
"""

LABELS = """
query GiLabels($team: ID!, $after: String) {
  issueLabels(first: 250, after: $after,
              filter: {or: [{team: {id: {eq: $team}}}, {team: {null: true}}]}) {
    nodes { id name isGroup }
    pageInfo { hasNextPage endCursor }
  }
}
"""

USERS = """
query GiUsers($name: String!) {
  users(first: 10, filter: {or: [{displayName: {eqIgnoreCase: $name}},
                                 {email: {eqIgnoreCase: $name}}, {name: {eqIgnoreCase: $name}}]}) {
    nodes { id displayName email name active }
  }
}
"""

MILESTONES = """
query GiMilestones($team: String!) {
  team(id: $team) {
    projects(first: 50) { nodes { id name projectMilestones(first: 50) { nodes { id name } } } }
  }
}
"""

CREATE = f"""
mutation GiCreate($input: IssueCreateInput!) {{
  issueCreate(input: $input) {{ success issue {{ ...GiIssue }} }}
}}
{ISSUE_FIELDS}"""

COMMENT = """
mutation GiComment($input: CommentCreateInput!) {
  commentCreate(input: $input) { success comment { id } }
}
"""

COMMENT_BY_ID = """
query GiCommentById($id: String!) {
  comment(id: $id) { id issue { id } }
}
"""

HOOKS = """
query GiHooks($after: String) {
  webhooks(first: 100, after: $after) {
    nodes { id url enabled resourceTypes team { id } }
    pageInfo { hasNextPage endCursor }
  }
}
"""

HOOK_ADD = """
mutation GiHookAdd($input: WebhookCreateInput!) {
  webhookCreate(input: $input) { success webhook { id url enabled resourceTypes team { id } } }
}
"""

HOOK_REMOVE = """
mutation GiHookRemove($id: String!) {
  webhookDelete(id: $id) { success }
}
"""


def updates(count: int) -> str:
    """`count` issueUpdate mutations in one document, as aliases u0, u1, …: Linear runs the
    fields of one mutation in order, and one request carries them all."""
    args = ", ".join(f"$i{n}: String!, $u{n}: IssueUpdateInput!" for n in range(count))
    body = "\n".join(f"  u{n}: issueUpdate(id: $i{n}, input: $u{n}) {{ success issue "
                     "{ ...GiIssue } }" for n in range(count))
    return f"mutation GiUpdate({args}) {{\n{body}\n}}\n{ISSUE_FIELDS}"


def label_creates(count: int) -> str:
    """`count` issueLabelCreate mutations in one document (aliases l0, l1, …)."""
    args = ", ".join(f"$l{n}: IssueLabelCreateInput!" for n in range(count))
    body = "\n".join(f"  l{n}: issueLabelCreate(input: $l{n}) {{ success issueLabel "
                     "{ id name isGroup } }" for n in range(count))
    return f"mutation GiLabelCreate({args}) {{\n{body}\n}}"


def relation_changes(creates: int, deletes: int) -> str:
    """Relations made (aliases c0, …) and removed (d0, …) in one document."""
    args = [f"$c{n}: IssueRelationCreateInput!" for n in range(creates)]
    args += [f"$d{n}: String!" for n in range(deletes)]
    body = [f"  c{n}: issueRelationCreate(input: $c{n}) {{ success issueRelation {{ id }} }}"
            for n in range(creates)]
    body += [f"  d{n}: issueRelationDelete(id: $d{n}) {{ success }}" for n in range(deletes)]
    return f"mutation GiRelations({', '.join(args)}) {{\n" + "\n".join(body) + "\n}"
