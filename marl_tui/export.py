"""The current game and its equilibria as text a lecturer pastes elsewhere: LaTeX and Markdown.

LaTeX: a ``tabular`` bimatrix (rows: player 1's actions, columns: player 2's, cells "a, b"; one
table per slice of players 3..n) followed by the equilibria in words. Markdown: the same as a
pipe table. Every user string (game, player and action names) is escaped for the format, and
control characters are dropped, so a name can never break the document or inject commands.
"""

from __future__ import annotations

from itertools import product

from games import Game
from marl_tui.text import format_entry, format_number, format_strategy

LATEX_SPECIALS = {
    "\\": r"\textbackslash{}", "&": r"\&", "%": r"\%", "$": r"\$", "#": r"\#", "_": r"\_",
    "{": r"\{", "}": r"\}", "~": r"\textasciitilde{}", "^": r"\textasciicircum{}",
}
FORMATS = {".tex": "LaTeX", ".md": "Markdown"}


def printable(text: str) -> str:
    """``text`` without control characters (line breaks become spaces)."""
    return "".join(c if c.isprintable() else " " for c in text)


def latex_escape(text: str) -> str:
    return "".join(LATEX_SPECIALS.get(c, c) for c in printable(text))


def markdown_escape(text: str) -> str:
    """Escape what Markdown (and a pipe table) would read as syntax."""
    return "".join("\\" + c if c in "\\|*_`[]<>#" else c for c in printable(text))


def _slices(game: Game) -> list[tuple[int, ...]]:
    return list(product(*(range(k) for k in game.num_actions[2:])))


def _slice_title(game: Game, rest: tuple[int, ...]) -> str:
    return ", ".join(f"{game.players[p + 2]} plays {game.actions[p + 2][a]}"
                     for p, a in enumerate(rest))


def equilibria_lines(game: Game, solution) -> list[str]:
    """Each equilibrium in words (unescaped): "pure (Defect, Defect), payoffs 1, 1"."""
    lines = []
    for eq in solution.equilibria:
        strategies = "; ".join(f"{game.players[p]}: {format_strategy(game.actions[p], s)}"
                               for p, s in enumerate(eq.strategies))
        kind = "pure" if eq.is_pure else ("mixed" if eq.exact else "mixed (approx.)")
        lines.append(f"{kind}: {strategies}; payoffs {format_entry(eq.payoffs)}")
    if not solution.complete:
        lines.append("(the solver may have missed some)")
    return lines


def to_latex(game: Game, solution=None) -> str:
    """The game as LaTeX ``tabular`` bimatrices, then its equilibria (when ``solution`` is given)."""
    exact = game.exact_payoffs
    out = [f"% {printable(game.name)} (exported by marl-tui)", r"\begin{center}"]
    for rest in _slices(game):
        if rest:
            out.append(r"\textit{" + latex_escape(_slice_title(game, rest)) + r"}\\[2pt]")
        columns = game.num_actions[1]
        out.append(r"\begin{tabular}{r|" + "c" * columns + "}")
        corner = latex_escape(game.players[0]) + r" $\backslash$ " + latex_escape(game.players[1])
        out.append(" & ".join([corner, *(latex_escape(a) for a in game.actions[1])])
                   + r" \\ \hline")
        for i, label in enumerate(game.actions[0]):
            cells = [", ".join("$" + format_number(exact[(p, i, j, *rest)]) + "$"
                               for p in range(game.n_players)) for j in range(columns)]
            out.append(" & ".join([latex_escape(label), *cells]) + r" \\")
        out.append(r"\end{tabular}")
        out.append("")
    out.append(r"\end{center}")
    if solution is not None:
        out.append(r"Nash equilibria:")
        out.append(r"\begin{itemize}")
        out += [r"  \item " + latex_escape(line) for line in equilibria_lines(game, solution)]
        out.append(r"\end{itemize}")
    return "\n".join(out) + "\n"


def to_markdown(game: Game, solution=None) -> str:
    """The game as Markdown pipe tables, then its equilibria (when ``solution`` is given)."""
    exact = game.exact_payoffs
    out = [f"**{markdown_escape(game.name)}**", ""]
    for rest in _slices(game):
        if rest:
            out += [f"*{markdown_escape(_slice_title(game, rest))}*", ""]
        corner = f"{markdown_escape(game.players[0])} \\\\ {markdown_escape(game.players[1])}"
        out.append("| " + " | ".join([corner, *map(markdown_escape, game.actions[1])]) + " |")
        out.append("|" + "---|" + ":---:|" * game.num_actions[1])
        for i, label in enumerate(game.actions[0]):
            cells = [format_entry(exact[(slice(None), i, j, *rest)])
                     for j in range(game.num_actions[1])]
            out.append("| " + " | ".join([f"**{markdown_escape(label)}**", *cells]) + " |")
        out.append("")
    if solution is not None:
        out.append("Nash equilibria:")
        out.append("")
        out += [f"- {markdown_escape(line)}" for line in equilibria_lines(game, solution)]
    return "\n".join(out) + "\n"


def export_text(game: Game, solution, suffix: str) -> str:
    """The document for a file name ending in ``suffix`` (.tex or .md); ValueError otherwise."""
    if suffix == ".tex":
        return to_latex(game, solution)
    if suffix == ".md":
        return to_markdown(game, solution)
    raise ValueError(f"export as .tex (LaTeX) or .md (Markdown), not {suffix or 'no extension'!r}")
