"""`mercato demo seed`: the demo shop (catalog, content, discount codes)."""

from __future__ import annotations

import asyncio

import typer

from mercato.commands.catalog import progress_bar

demo_app = typer.Typer(help="Demo data.", no_args_is_help=True)


@demo_app.command("seed")
def seed_command(
    products: int = typer.Option(240, "--products", min=1, max=1_000_000),
    seed: int = typer.Option(42, "--seed", help="same seed, same shop"),
    if_empty: bool = typer.Option(False, "--if-empty", help="do nothing if products exist"),
) -> None:
    """Create a demo shop: categories, products with variants, stock and local images; the
    demo blog, pages and site settings too when the content store is empty."""
    from rich.progress import Progress

    from mercato.bootstrap import build_container
    from mercato.demo import catalog as demo
    from mercato.demo import content as content_demo
    from mercato.demo.discounts import DEMO_DISCOUNTS, ensure_demo_discounts
    from mercato.platform.config import Settings

    async def run() -> int:
        container = build_container(Settings())
        try:
            if container.settings.content.source == "local":
                documents = await content_demo.seed_if_empty(container)
                if documents:
                    typer.echo(f"demo content ready: {documents} documents")
            if not await demo.is_empty(container):
                if if_empty:
                    typer.echo("the catalog is not empty: demo seed skipped")
                    return 0
                typer.echo("the catalog is not empty; seed an empty database", err=True)
                return 1
            bar = progress_bar()
            assert isinstance(bar, Progress)
            with bar:
                task = bar.add_task("seeding", total=products)
                written = await demo.seed(
                    container,
                    products=products,
                    seed_value=seed,
                    progress=lambda done, total: bar.update(task, completed=done),
                )
            await ensure_demo_discounts(container)
            codes = ", ".join(d.code for d in DEMO_DISCOUNTS)
            typer.echo(f"demo shop ready: {written} products; discount codes: {codes}")
            return 0
        finally:
            await container.aclose()

    raise typer.Exit(asyncio.run(run()))


def register(app: typer.Typer) -> None:
    app.add_typer(demo_app, name="demo")
