import time, uuid, functools, collections
import httpx
from mercato.bootstrap import Container
from mercato.checkout import service
from tests.factories import create_product
from tests.integration.checkout.helpers import guest_carts

CPU = collections.Counter()

def wrap(mod, name, label=None):
    f = getattr(mod, name)
    label = label or f"{mod.__name__.split('.')[-1]}.{name}"
    if hasattr(f, "__aenter__") or not callable(f):
        return
    import inspect
    if inspect.iscoroutinefunction(f):
        @functools.wraps(f)
        async def w(*a, **k):
            t = time.thread_time()
            try:
                return await f(*a, **k)
            finally:
                CPU[label] += time.thread_time() - t
    else:
        @functools.wraps(f)
        def w(*a, **k):
            t = time.thread_time()
            try:
                return f(*a, **k)
            finally:
                CPU[label] += time.thread_time() - t
    setattr(mod, name, w)


async def test_steps(client: httpx.AsyncClient, container: Container) -> None:
    await create_product(container, price=1500, stock=1000, skus=["STP-1"])
    carts = await guest_carts(container, "STP-1", 250)
    for c in carts[:50]:
        await service.place_order(container, cart_id=uuid.UUID(c), user_id=None, idempotency_key=str(uuid.uuid4()), body={"cart_id": c})
    s = service
    for mod, name in [(s, "_refuse_when_sold_out"), (s, "_claim_key"), (s, "_place_order_once"),
                      (s.cart_service, "get_open_cart"), (s.cart_service, "claim_for_checkout"), (s.cart_service, "line_views"),
                      (s, "quote_cart"), (s.inventory, "reserve"), (s.orders, "create_order"), (s.payments, "start_payment"),
                      (s, "record_event"), (s.orders, "to_read"), (s, "_encrypt_secret"), (s.orders, "order_token"), (s.orders, "guest_order_url")]:
        wrap(mod, name)
    from mercato.catalog import freshness
    wrap(freshness.StockFreshness, "before_commit"); wrap(freshness.StockFreshness, "__call__")
    t = time.perf_counter(); c0 = time.thread_time()
    for c in carts[50:]:
        await service.place_order(container, cart_id=uuid.UUID(c), user_id=None, idempotency_key=str(uuid.uuid4()), body={"cart_id": c})
    n = len(carts) - 50
    print(f"\nTOTAL wall {1000*(time.perf_counter()-t)/n:.2f} ms cpu {1000*(time.thread_time()-c0)/n:.2f} ms per checkout")
    for k, v in CPU.most_common():
        print(f"  {k:40s} {1000*v/n:7.2f} ms")
