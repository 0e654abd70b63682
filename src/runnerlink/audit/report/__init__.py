"""The audit's renderers: text (terminal), JSON, SARIF 2.1.0 and a self-contained HTML page. Pure: a Report in, a
string out (the CLI writes it)."""
