"""Paging: empty pages, a page that fails mid-iteration, a nextLink that loops back (issue 8, item 4)."""

from __future__ import annotations

import pytest
from azure.core.exceptions import HttpResponseError
from batchai_emulator import faults
from conftest import run_async
from reliability_support import VERSIONS, Api, Wire, api, make_async_client, with_resources, within

from batchai._runtime import PagingLoopError

NAMES = [f"c{index}" for index in range(5)]  # three pages of two


def five_clusters(arm_server, credential, version: str) -> Api:
    with_resources(arm_server, credential, version, clusters=tuple(NAMES))
    arm_server.page_size = 2
    return api(arm_server, credential, version)


@pytest.mark.parametrize("version", VERSIONS)
def test_empty_pages_followed_by_more_are_read_through(arm_server, credential, version):
    client = five_clusters(arm_server, credential, version)
    listing = client.list_clusters_operation()
    first_real = arm_server.url(client.provider + ("/workspaces/ws" if client.nested else "") + "/clusters")
    first_real += "&%24skiptoken=0"
    arm_server.faults.add(
        faults.page([], next_link=first_real + "&empty=2", method="GET", path="/clusters$", query={}),
        faults.page([], next_link=first_real, method="GET", path="/clusters$", query={"empty": "2"}),
    )
    wire = Wire(arm_server)
    with within(5):
        assert [cluster.name for cluster in client.list_clusters()] == NAMES
    assert wire.count(listing) == 5  # two empty pages, then three of two, two and one


@pytest.mark.parametrize("version", VERSIONS)
def test_a_page_that_fails_mid_iteration_raises_and_what_was_yielded_stays(arm_server, credential, version):
    client = five_clusters(arm_server, credential, version)
    arm_server.faults.add(faults.server_error(500, method="GET", path="/clusters$", query={"$skiptoken": "2"}))
    seen: list[str] = []
    wire = Wire(arm_server)
    with within(5), pytest.raises(HttpResponseError) as raised:
        for cluster in client.list_clusters():
            seen.append(cluster.name)
    assert seen == NAMES[:2]
    assert raised.value.status_code == 500 and raised.value.error.code == "InternalServerError"
    assert wire.count(client.list_clusters_operation()) == 2


@pytest.mark.parametrize("version", VERSIONS)
def test_a_page_that_fails_once_is_retried_and_the_listing_completes(arm_server, credential, version):
    client = five_clusters(arm_server, credential, version)
    retrying = api(arm_server, credential, version, retry_total=2)
    arm_server.faults.add(faults.server_error(503, method="GET", path="/clusters$", query={"$skiptoken": "2"}))
    wire = Wire(arm_server)
    with within(5):
        assert [cluster.name for cluster in retrying.list_clusters()] == NAMES
    assert wire.count(client.list_clusters_operation()) == 4


@pytest.mark.parametrize("version", VERSIONS)
def test_the_async_listing_raises_mid_iteration_too(arm_server, credential, async_credential, version):
    five_clusters(arm_server, credential, version)
    arm_server.faults.add(faults.server_error(500, method="GET", path="/clusters$", query={"$skiptoken": "4"}))

    async def scenario() -> tuple[list[str], int]:
        seen: list[str] = []
        async with make_async_client(arm_server, async_credential, version) as client:
            with pytest.raises(HttpResponseError) as raised:
                async for cluster in Api(client, version).list_clusters():
                    seen.append(cluster.name)
        return seen, raised.value.status_code

    with within(5):
        assert run_async(scenario()) == (NAMES[:4], 500)


# -- a nextLink that loops ------------------------------------------------------------------------------


def page_url(arm_server, client: Api, skiptoken: str) -> str:
    parent = "/workspaces/ws" if client.nested else ""
    return arm_server.url(client.provider + parent + "/clusters") + f"&%24skiptoken={skiptoken}"


@pytest.mark.parametrize("version", VERSIONS)
def test_a_next_link_back_to_an_earlier_page_raises_naming_it_after_the_items(arm_server, credential, version):
    client = five_clusters(arm_server, credential, version)
    back = page_url(arm_server, client, "2")
    arm_server.faults.add(
        faults.page([{"name": "c4"}], next_link=back, method="GET", path="/clusters$", query={"$skiptoken": "4"})
    )
    seen: list[str] = []
    wire = Wire(arm_server)
    with within(5), pytest.raises(PagingLoopError) as raised:
        for cluster in client.list_clusters():
            seen.append(cluster.name)
    assert seen == NAMES  # every item of every page read, the looping page's too
    assert raised.value.next_link == back and raised.value.pages == 3
    assert back in str(raised.value) and "back to page 2 of the 3 read" in str(raised.value)
    assert wire.count(client.list_clusters_operation()) == 3


@pytest.mark.parametrize("version", VERSIONS)
def test_a_next_link_to_the_same_page_raises_instead_of_repeating_it(arm_server, credential, version):
    client = five_clusters(arm_server, credential, version)
    same = page_url(arm_server, client, "2")
    arm_server.faults.add(
        faults.page(
            [{"name": "c2"}, {"name": "c3"}], next_link=same, method="GET", path="/clusters$", query={"$skiptoken": "2"}
        )
    )
    wire = Wire(arm_server)
    with within(5), pytest.raises(PagingLoopError, match="the same page again") as raised:
        list(client.list_clusters())
    assert raised.value.next_link == same and isinstance(raised.value, HttpResponseError)
    assert wire.count(client.list_clusters_operation()) == 2


@pytest.mark.parametrize("version", VERSIONS)
def test_iterating_a_pager_again_or_from_a_continuation_token_is_no_loop(arm_server, credential, version):
    """The trail is per walk: a second walk over the same pager (``by_page()``: an ItemPaged iterates once), or
    one resumed from a page's link, reads the pages the first walk read without being taken for a loop."""
    client = five_clusters(arm_server, credential, version)
    pager = client.list_clusters()
    wire = Wire(arm_server)
    with within(5):
        assert [cluster.name for cluster in pager] == NAMES
        assert [cluster.name for page in pager.by_page() for cluster in page] == NAMES
        resumed = pager.by_page(continuation_token=page_url(arm_server, client, "2"))
        assert [cluster.name for page in resumed for cluster in page] == NAMES[2:]
    assert wire.count(client.list_clusters_operation()) == 3 + 3 + 2


@pytest.mark.parametrize("version", VERSIONS)
def test_the_async_listing_refuses_a_looping_next_link_too(arm_server, credential, async_credential, version):
    client = five_clusters(arm_server, credential, version)
    back = page_url(arm_server, client, "2")
    arm_server.faults.add(
        faults.page([{"name": "c4"}], next_link=back, method="GET", path="/clusters$", query={"$skiptoken": "4"})
    )
    wire = Wire(arm_server)

    async def scenario() -> tuple[list[str], str]:
        seen: list[str] = []
        async with make_async_client(arm_server, async_credential, version) as async_client:
            with pytest.raises(PagingLoopError) as raised:
                async for cluster in Api(async_client, version).list_clusters():
                    seen.append(cluster.name)
        return seen, raised.value.next_link

    with within(5):
        assert run_async(scenario()) == (NAMES, back)
    assert wire.count(client.list_clusters_operation()) == 3
