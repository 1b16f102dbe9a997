"""`gi mcp`: the Model Context Protocol server (SPEC §3) over stdio.

`catalog` names the tools and their input schemas (what `tools/list` answers), `tools` runs
them against one long-lived store, `render` keeps every answer small, `paging` gives lists a
cursor, `server` ties them to the official MCP SDK. Only `server` imports the SDK, and only
`gi mcp` imports `server`: no other command pays for it.
"""
