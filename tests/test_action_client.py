"""The action endpoint keeps its settings and one connection, and survives a restart of the
action server (a real HTTP server on 127.0.0.1)."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Iterator, List

import pytest
from aiohttp import web
from rasa.core.utils import AvailableEndpoints

from bot import action_client
from tests.servers import free_port


class _ActionServer:
    """A small HTTP server on 127.0.0.1 that records the client port of each request."""

    def __init__(self, port: int) -> None:
        self.port = port
        self.client_ports: List[int] = []
        self.runner: web.AppRunner

    async def start(self) -> None:
        async def webhook(request: web.Request) -> web.Response:
            self.client_ports.append(request.transport.get_extra_info("peername")[1])
            body = await request.json()
            return web.json_response({"events": [], "responses": [], "echo": body["next_action"]})

        app = web.Application()
        app.router.add_post("/webhook", webhook)
        self.runner = web.AppRunner(app)
        await self.runner.setup()
        await web.TCPSite(self.runner, "127.0.0.1", self.port).start()

    async def stop(self) -> None:
        await self.runner.cleanup()


@pytest.fixture
def endpoints_file(tmp_path: Path) -> Iterator[Path]:
    port = free_port()
    path = tmp_path / "endpoints.yml"
    path.write_text(
        f'action_endpoint:\n  url: "http://127.0.0.1:{port}/webhook"\n'
        "  enable_selective_domain: true\n",
        encoding="utf-8",
    )
    action_client.install()
    yield path


def test_action_endpoint_keeps_its_settings_and_one_connection(endpoints_file: Path) -> None:
    endpoint = AvailableEndpoints.read_endpoints(str(endpoints_file)).action
    assert isinstance(endpoint, action_client.KeepAliveEndpointConfig)
    assert endpoint.kwargs == {"enable_selective_domain": True}
    assert AvailableEndpoints.read_endpoints(str(endpoints_file)).nlg is None
    server = _ActionServer(int(endpoint.url.split(":")[2].split("/")[0]))

    async def scenario() -> None:
        await server.start()
        try:
            for name in ("action_a", "action_b", "action_c"):
                reply = await endpoint.request(json={"next_action": name}, method="post")
                assert reply["echo"] == name
            assert len(set(server.client_ports)) == 1
            # The action server restarts: the next action still goes through.
            await server.stop()
            await server.start()
            reply = await endpoint.request(json={"next_action": "action_d"}, method="post")
            assert reply["echo"] == "action_d"
            assert len(server.client_ports) == 4
        finally:
            await endpoint.close()
            await server.stop()

    asyncio.run(scenario())
