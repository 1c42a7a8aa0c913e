"""Where `marl-tui serve` listens: parsing `[HOST:]PORT`, and telling loopback from exposed addresses."""

from __future__ import annotations

import re

import pytest

from marl_tui.serving.options import Address, parse_address


@pytest.mark.parametrize(("text", "expected"), [
    ("2222", Address("127.0.0.1", 2222)),
    ("0", Address("127.0.0.1", 0)),
    (" 8000 ", Address("127.0.0.1", 8000)),
    ("0.0.0.0:2222", Address("0.0.0.0", 2222)),
    ("192.168.1.5:65535", Address("192.168.1.5", 65535)),
    ("[::1]:2222", Address("::1", 2222)),
    ("[::]:22", Address("::", 22)),
    ("localhost:8000", Address("localhost", 8000)),
    ("lab-server.example.edu:2222", Address("lab-server.example.edu", 2222)),
])
def test_port_host_port_and_bracketed_ipv6_are_understood(text, expected):
    assert parse_address(text) == expected


def test_a_bare_port_binds_to_the_default_host():
    assert parse_address("2222", default_host="0.0.0.0") == Address("0.0.0.0", 2222)


@pytest.mark.parametrize(("text", "message"), [
    ("", "port must be a number"),
    ("abc", "port must be a number"),
    ("70000", "from 0 to 65535, got '70000'"),
    ("-1", "port must be a number"),
    ("host:", "port must be a number"),
    ("::1:22", "write an IPv6 address in brackets, as [::1]:22"),
    ("[::1]22", "expected [IPV6]:PORT"),
    ("[::1]", "expected [IPV6]:PORT"),
    (":22", "missing host"),
    ("[]:22", "missing host"),
])
def test_bad_addresses_say_what_is_wrong(text, message):
    with pytest.raises(ValueError, match=re.escape(message)):
        parse_address(text)


@pytest.mark.parametrize(("host", "loopback"), [
    ("127.0.0.1", True),
    ("127.5.5.5", True),
    ("::1", True),
    ("localhost", True),
    ("LocalHost", True),
    ("0.0.0.0", False),
    ("::", False),
    ("192.168.1.5", False),
    ("10.0.0.1", False),
    ("lab-server.example.edu", False),
])
def test_loopback_means_only_this_machine_can_connect(host, loopback):
    assert Address(host, 22).loopback is loopback


@pytest.mark.parametrize(("address", "text"), [
    (Address("127.0.0.1", 2222), "127.0.0.1:2222"),
    (Address("localhost", 80), "localhost:80"),
    (Address("::1", 2222), "[::1]:2222"),
    (Address("::", 0), "[::]:0"),
])
def test_an_address_prints_as_it_is_typed_and_parses_back(address, text):
    assert str(address) == text
    assert parse_address(str(address)) == address
