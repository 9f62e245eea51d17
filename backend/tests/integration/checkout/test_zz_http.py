import time, uuid
import httpx
import pyinstrument
from mercato.bootstrap import Container
from tests.factories import create_product
from tests.integration.checkout.helpers import guest_carts


async def test_http(client: httpx.AsyncClient, container: Container) -> None:
    await create_product(container, price=1500, stock=1000, skus=["HTP-1"])
    carts = await guest_carts(container, "HTP-1", 250)
    async def one(c):
        r = await client.post("/api/v1/checkout", json={"cart_id": c}, headers={"Idempotency-Key": str(uuid.uuid4())})
        assert r.status_code == 201, r.text
    for c in carts[:50]:
        await one(c)
    t = time.perf_counter(); c0 = time.thread_time()
    for c in carts[50:150]:
        await one(c)
    print(f"\nHTTP wall {1000*(time.perf_counter()-t)/100:.2f} ms cpu {1000*(time.thread_time()-c0)/100:.2f} ms per checkout")
    p = pyinstrument.Profiler(interval=0.0005, async_mode="disabled")
    p.start()
    for c in carts[150:]:
        await one(c)
    p.stop()
    print(p.output_text(unicode=False, color=False, show_all=True)[:60000])
