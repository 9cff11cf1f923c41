"""siaga/files.py write_output: regular files atomically, devices and FIFOs in place (never renamed over), siaga's
own descriptors through the descriptor, write errors one line. Devices are only reached through links in a temp
folder (writing to /dev/full or /dev/null in place is harmless; a rename over them is what must never happen, and
each test asserts the link is still a link afterwards)."""

from __future__ import annotations

import errno
import os
import socket
import stat
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from siaga import files
from siaga.files import OutputError, write_output

ROOT = Path(__file__).resolve().parent.parent
STATE = ROOT / "tests/fixtures/state/audit-v3.json"


def _link(tmp_path: Path, target: str) -> Path:
    link = tmp_path / "out"
    link.symlink_to(target)
    return link


class TestRegularFiles:
    def test_replaced_whole_and_no_temp_left(self, tmp_path: Path) -> None:
        path = tmp_path / "r.json"
        path.write_text("old")
        write_output(path, "new")
        assert path.read_text() == "new" and [p.name for p in tmp_path.iterdir()] == ["r.json"]

    def test_a_link_to_a_file_stays_a_link(self, tmp_path: Path) -> None:
        target = tmp_path / "real.json"
        target.write_text("old")
        link = _link(tmp_path, str(target))
        write_output(link, "new")
        assert link.is_symlink() and target.read_text() == "new"

    def test_a_failed_write_leaves_the_old_file_and_no_temp(self, tmp_path: Path,
                                                             monkeypatch: pytest.MonkeyPatch) -> None:
        path = tmp_path / "r.json"
        path.write_text("old")

        def full(fd: int) -> None:
            raise OSError(errno.ENOSPC, "No space left on device")

        monkeypatch.setattr(files.os, "fsync", full)
        with pytest.raises(OutputError) as info:
            write_output(path, "new" * 1000)
        assert "No space left on device" in str(info.value) and "\n" not in str(info.value)
        assert path.read_text() == "old" and [p.name for p in tmp_path.iterdir()] == ["r.json"]


class TestDevices:
    def test_full_disk_through_a_link_is_one_error_and_the_link_stays(self, tmp_path: Path) -> None:
        link = _link(tmp_path, "/dev/full")
        with pytest.raises(OutputError) as info:
            write_output(link, "report\n")
        assert info.value.errno == errno.ENOSPC and str(info.value).count("\n") == 0
        assert link.is_symlink() and os.readlink(link) == "/dev/full"
        assert stat.S_ISCHR(os.stat("/dev/full").st_mode)

    def test_null_device_through_a_link_is_written_in_place(self, tmp_path: Path) -> None:
        link = _link(tmp_path, "/dev/null")
        write_output(link, "report\n")
        assert link.is_symlink() and stat.S_ISCHR(os.stat(link).st_mode)
        assert [p.name for p in tmp_path.iterdir()] == ["out"]  # no temporary file beside it


class TestPipes:
    def test_fifo_is_written_in_place_and_stays_a_fifo(self, tmp_path: Path) -> None:
        fifo = tmp_path / "report.fifo"
        os.mkfifo(fifo)
        got: list[bytes] = []
        reader = threading.Thread(target=lambda: got.append(fifo.read_bytes()))
        reader.start()
        write_output(fifo, "x" * 200_000)  # more than a pipe buffer: the reader drains it as it comes
        reader.join(10)
        assert got == [b"x" * 200_000] and stat.S_ISFIFO(os.stat(fifo).st_mode)

    def test_fifo_whose_reader_left_is_one_error(self, tmp_path: Path) -> None:
        fifo = tmp_path / "report.fifo"
        os.mkfifo(fifo)

        def read_a_little() -> None:
            with open(fifo, "rb") as f:
                f.read(1)

        reader = threading.Thread(target=read_a_little)
        reader.start()
        with pytest.raises(OutputError) as info:
            write_output(fifo, "x" * 1_000_000)
        reader.join(10)
        assert info.value.errno == errno.EPIPE and stat.S_ISFIFO(os.stat(fifo).st_mode)

    def test_own_descriptors_are_written_through_the_descriptor(self, tmp_path: Path) -> None:
        assert files._own_fd(Path("/dev/stdout")) == 1 and files._own_fd(Path("/dev/stderr")) == 2
        r, w = os.pipe()
        try:
            for name in (f"/dev/fd/{w}", f"/proc/self/fd/{w}", f"/proc/{os.getpid()}/fd/{w}"):
                write_output(name, "hello\n")
                assert os.read(r, 100) == b"hello\n"
        finally:
            os.close(r)
            os.close(w)
        assert files._own_fd(Path("/proc/1/fd/1")) is None  # another process's descriptor is only a path


class TestRefused:
    def test_directory(self, tmp_path: Path) -> None:
        with pytest.raises(OutputError, match="directory"):
            write_output(tmp_path, "x")

    def test_socket(self, tmp_path: Path) -> None:
        path = tmp_path / "s.sock"
        sock = socket.socket(socket.AF_UNIX)
        sock.bind(str(path))
        try:
            with pytest.raises(OutputError, match="socket"):
                write_output(_link(tmp_path, str(path)), "x")
        finally:
            sock.close()
        assert stat.S_ISSOCK(os.stat(path).st_mode)


def _check(*args: str, **kw: object) -> subprocess.CompletedProcess[bytes]:
    return subprocess.run([sys.executable, "-m", "siaga", "check", "--stack", "jakarta-prod", "--state", str(STATE),
                           "--format", "json", *args], capture_output=True, cwd=ROOT, timeout=120, **kw)  # type: ignore[call-overload]


class TestCheckCommand:
    def test_report_to_standard_output_by_its_descriptor_name(self) -> None:
        # /dev/fd/1, not /dev/stdout: even a broken writer could not create a file inside /proc/self/fd
        done = _check("-o", "/dev/fd/1")
        assert done.stdout.lstrip().startswith(b"{") and b'"stack": "jakarta-prod"' in done.stdout, done.stderr

    def test_report_to_a_full_disk_exits_2_with_one_line(self, tmp_path: Path) -> None:
        link = _link(tmp_path, "/dev/full")
        done = _check("-o", str(link))
        err = [line for line in done.stderr.decode().splitlines() if line.strip()]
        assert done.returncode == 2 and len(err) == 1 and "No space left on device" in err[0], err
        assert link.is_symlink() and os.readlink(link) == "/dev/full"

    def test_standard_output_on_a_full_disk_exits_2(self) -> None:
        with open("/dev/full", "wb") as full:
            done = subprocess.run([sys.executable, "-m", "siaga", "check", "--stack", "jakarta-prod", "--state",
                                   str(STATE), "--format", "json"], stdout=full, stderr=subprocess.PIPE, cwd=ROOT,
                                  timeout=120)
        assert done.returncode == 2 and b"Traceback" not in done.stderr, done.stderr
        assert b"No space left on device" in done.stderr
