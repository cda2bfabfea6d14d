"""Building sandbox sites from seeds: explicit products (e.g. from JSON) or generated ones.

V1 variant ids follow Wix's examples: the all-zero id for a product without options, and
`00000000-0000-00XX-0005-<12 hex>` for option variants [DOC-EX]; V3 variant ids are GUIDs.
"""

from __future__ import annotations

import random
import re
import uuid
from collections.abc import Callable, Sequence
from pathlib import Path

import msgspec

from server.sandboxes.wix.config import (
    CatalogVersion,
    WixProductSeed,
    WixSandboxConfig,
    WixSiteSeed,
    WixVariantSeed,
)
from server.sandboxes.wix.state import DEFAULT_VARIANT_ID, Product, Site, Variant, new_id

DEMO_API_KEY = "wix-demo-api-key"
"""The API key both demo sites accept (the README lists it)."""
DEMO_SITES: tuple[tuple[str, CatalogVersion], ...] = (
    ("11111111-1111-4111-8111-111111111111", "V1_CATALOG"),
    ("33333333-3333-4333-8333-333333333333", "V3_CATALOG"),
)
"""Demo site ids: one V1 and one V3 catalogue."""


def load_config(path: Path) -> WixSandboxConfig:
    """A sandbox config from a JSON file (see `WixSandboxConfig`)."""
    return msgspec.json.decode(path.read_bytes(), type=WixSandboxConfig)


def demo_config(
    products: int = 200,
    sku_prefix: str = "DEMO-",
    *,
    sku_digits: int = 6,
    variant_every: int = 4,
    extra_products: Sequence[WixProductSeed] = (),
) -> WixSandboxConfig:
    """Two demo sites (V1 and V3) sharing the demo key, each with `products` generated products.

    `extra_products` are added to each site before the generated ones (e.g. SKUs only the shop
    has, or a SKU repeated); see `WixSiteSeed` for the other knobs.
    """
    sites = [
        WixSiteSeed(
            site_id=site_id,
            api_key=DEMO_API_KEY,
            catalog=catalog,
            products=list(extra_products),
            generate=products,
            sku_prefix=sku_prefix,
            sku_digits=sku_digits,
            variant_every=variant_every,
        )
        for site_id, catalog in DEMO_SITES
    ]
    return WixSandboxConfig(sites=sites)


def _slug(name: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-") or "product"


def _v1_variant_id(index: int, rng: random.Random) -> str:
    return f"00000000-0000-{index:04x}-0005-{rng.getrandbits(48):012x}"


def _generated(seed: WixSiteSeed) -> list[WixProductSeed]:
    rng = random.Random(seed.random_seed)
    low, high = seed.quantity_range
    products = []
    for n in range(1, seed.generate + 1):
        sku = f"{seed.sku_prefix}{n:0{seed.sku_digits}d}"
        with_variants = seed.variant_every > 0 and n % seed.variant_every == 0
        variants = (
            [
                WixVariantSeed(
                    sku=f"{sku}-{k}", choices={"Size": f"S{k}"}, quantity=rng.randint(low, high)
                )
                for k in range(1, seed.variants_per_product + 1)
            ]
            if with_variants
            else []
        )
        products.append(
            WixProductSeed(
                name=f"Product {n}",
                sku=sku,
                quantity=rng.randint(low, high),
                visible=not (seed.hidden_every and n % seed.hidden_every == 0),
                variants=variants,
            )
        )
    return products


def seeded_ids(seed: WixSiteSeed) -> Callable[[], str]:
    """GUIDs drawn from the site id and `random_seed`: the same sequence on every build."""
    rng = random.Random(f"{seed.site_id}/{seed.random_seed}")
    return lambda: str(uuid.UUID(int=rng.getrandbits(128), version=4))


def build_product(
    site: Site,
    seed: WixProductSeed,
    now: float,
    rng: random.Random,
    ids: Callable[[], str] = new_id,
) -> Product:
    """A product with its variants (a default one when the seed lists none); GUIDs from `ids`."""
    v1 = site.catalog == "V1_CATALOG"
    variant_seeds = seed.variants or [WixVariantSeed(sku=seed.sku, quantity=seed.quantity)]
    variants = []
    for index, vs in enumerate(variant_seeds, start=1):
        if v1:
            variant_id = _v1_variant_id(index, rng) if seed.variants else DEFAULT_VARIANT_ID
        else:
            variant_id = ids()
        variants.append(
            Variant(
                id=variant_id,
                sku=vs.sku,
                choices=dict(vs.choices),
                item_id=ids(),
                visible=vs.visible,
                track_quantity=seed.track_quantity,
                quantity=vs.quantity if seed.track_quantity else 0,
                in_stock=True,
                created=now,
                updated=now,
            )
        )
    return Product(
        id=ids(),
        name=seed.name,
        slug=_slug(seed.name),
        numeric_id=site.allocate_numeric_id(),
        inventory_item_id=ids(),
        inventory_numeric_id=site.allocate_numeric_id(),
        variants=variants,
        visible=seed.visible,
        product_type=seed.product_type,
        sku=seed.sku if not seed.variants else "",
        manage_variants=bool(seed.variants),
        price=seed.price,
        created=now,
        updated=now,
        inventory_updated=now,
    )


def build_site(seed: WixSiteSeed, now: float) -> Site:
    """A site holding the seed's explicit products, then its generated ones (same ids each time)."""
    ids = seeded_ids(seed)
    site = Site(site_id=seed.site_id, api_key=seed.api_key, catalog=seed.catalog, location_id=ids())
    if seed.catalog == "STORES_NOT_INSTALLED":
        return site
    rng = random.Random(seed.random_seed)
    for product_seed in [*seed.products, *_generated(seed)]:
        product = build_product(site, product_seed, now, rng, ids)
        site.products[product.id] = product
    return site
