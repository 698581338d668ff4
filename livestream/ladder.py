"""Adaptive bitrate: the rendition ladder, encoded by ffmpeg, and its master playlist.

Live: with VIDEO_ABR on, nginx-rtmp starts this file as a program for every accepted
publish (`exec_push` in deploy/nginx-rtmp.conf.template) and stops it when the
publish ends:

    python ladder.py --input rtmp://127.0.0.1:<port>/live/<session> \\
        --out <VIDEO_ROOT>/hls/<session> --ladder 480p:480:1400,360p:360:800 --preset veryfast

It writes master.m3u8 at once (the source alone), probes the source (ffprobe), keeps
the rungs lower than it, rewrites master.m3u8 with every rendition's BANDWIDTH and
RESOLUTION, and runs one ffmpeg that encodes every rung into <out>/<rung>/index.m3u8.
The source stays nginx-rtmp's own HLS (<out>/index.m3u8): if the ladder's ffmpeg
fails, viewers still get the source, and nginx starts this program again. Segments
are named by the epoch second their numbering starts at, so a reconnect never
reuses a name for other bytes and caches may keep segments for good.

Replays: livestream.video.replay_build encodes the same ladder from the recordings
with `encode_args(live=False)` and writes the same master playlist.

Standard library only: nginx runs it without Django.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import signal
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

FFMPEG = "/usr/bin/ffmpeg"
FFPROBE = "/usr/bin/ffprobe"
MASTER = "master.m3u8"
SEGMENT_SECONDS = 2
AUDIO_KBPS = 128  # counted in each rendition's BANDWIDTH (the audio is copied)
# A live source is known within a second (its metadata and first frames): read no
# more before starting (ffmpeg's default is 5 s).
FAST_START = ["-analyzeduration", "1000000", "-probesize", "500000"]
_RUNG = re.compile(r"^(?P<name>[a-z0-9]{1,16}):(?P<height>[0-9]{2,4}):(?P<kbps>[0-9]{2,6})$")


@dataclass(frozen=True)
class Rung:
    name: str  # the rendition's folder: <session>/<name>/index.m3u8
    height: int
    kbps: int  # video bit rate


@dataclass(frozen=True)
class Source:
    width: int
    height: int
    kbps: int  # video, measured or estimated
    audio: bool


def parse_ladder(items: list[str] | str) -> list[Rung]:
    """["480p:480:1400", ...] (or one comma-separated string) -> rungs, highest first.

    Names go into nginx paths: a-z 0-9, at most 16; heights even."""
    if isinstance(items, str):
        items = [item for item in items.split(",") if item]
    rungs = []
    for item in items:
        match = _RUNG.match(item.strip())
        if not match or int(match["height"]) % 2 or match["name"] == "index":
            raise ValueError(
                f"ladder rung {item!r}: expected <name>:<even height>:<kbit/s>, "
                "the name a-z 0-9 (at most 16), e.g. 480p:480:1400"
            )
        rungs.append(Rung(match["name"], int(match["height"]), int(match["kbps"])))
    if len({r.name for r in rungs}) != len(rungs):
        raise ValueError("ladder rungs need distinct names")
    return sorted(rungs, key=lambda r: -r.height)


def rungs_below(ladder: list[Rung], source: Source) -> list[Rung]:
    """The rungs worth encoding: lower than the source (never upscaled)."""
    return [r for r in ladder if r.height < source.height]


def rung_width(rung: Rung, source: Source) -> int:
    """The source's shape at the rung's height, rounded to an even width."""
    return max(2, round(source.width * rung.height / source.height / 2) * 2)


def estimated_kbps(width: int, height: int) -> int:
    """A source's video bit rate when the encoder does not say (about 4 bits per 1000
    pixels a frame at 30 fps: 720p ~ 3.7 Mbit/s)."""
    return max(100, width * height * 4 // 1000)


def probe(url: str, *, timeout: float = 15) -> Source:
    """The source's picture size, video bit rate and whether it has sound (ffprobe)."""
    out = subprocess.run(  # noqa: S603 - fixed binary; the URL is nginx's or our own file
        [FFPROBE, "-v", "error", *FAST_START, "-show_entries",
         "stream=codec_type,width,height,bit_rate", "-of", "json", url],
        capture_output=True, text=True, check=True, timeout=timeout,
    )  # fmt: skip
    streams = json.loads(out.stdout or "{}").get("streams", [])
    video = next((s for s in streams if s.get("codec_type") == "video"), None)
    if video is None or not video.get("width") or not video.get("height"):
        raise ValueError("the source has no video")
    width, height = int(video["width"]), int(video["height"])
    rate = str(video.get("bit_rate") or "")
    kbps = int(rate) // 1000 if rate.isdigit() and int(rate) > 0 else estimated_kbps(width, height)
    audio = any(s.get("codec_type") == "audio" for s in streams)
    return Source(width, height, kbps, audio)


def master_playlist(source: Source | None, rungs: list[Rung]) -> str:
    """The master playlist: the source (nginx's index.m3u8, or the replay's) first,
    then each rung, with BANDWIDTH (peak bit/s, audio included) and RESOLUTION."""
    lines = ["#EXTM3U", "#EXT-X-VERSION:3"]
    if source is None:  # not probed yet: the source alone, its rate unknown
        lines += [f"#EXT-X-STREAM-INF:BANDWIDTH={(4000 + AUDIO_KBPS) * 1000}", "index.m3u8"]
        return "\n".join(lines) + "\n"
    audio = AUDIO_KBPS if source.audio else 0
    lines += [
        f"#EXT-X-STREAM-INF:BANDWIDTH={(source.kbps + audio) * 1100},"
        f"RESOLUTION={source.width}x{source.height}",
        "index.m3u8",
    ]
    for rung in rungs:
        lines += [
            f"#EXT-X-STREAM-INF:BANDWIDTH={(rung.kbps + audio) * 1100},"
            f"RESOLUTION={rung_width(rung, source)}x{rung.height}",
            f"{rung.name}/index.m3u8",
        ]
    return "\n".join(lines) + "\n"


def write_master(out: Path, text: str) -> None:
    """Replace <out>/master.m3u8 whole (never half-written for a reader)."""
    out.mkdir(parents=True, exist_ok=True)
    temporary = out / f".{MASTER}.{os.getpid()}.tmp"
    temporary.write_text(text)
    temporary.replace(out / MASTER)


def encode_args(
    *, inputs: list[str], source: Source, rungs: list[Rung], out: Path, preset: str, live: bool
) -> list[str]:
    """One ffmpeg run encoding every rung to HLS under <out>/<rung>/: 2 s segments
    cut on forced key frames (the renditions' segments line up, so players switch
    cleanly), x264 at the rung's rate with a capped peak, the sound copied."""
    count = len(rungs)
    scaled = ";".join(
        f"[s{i}]scale={rung_width(r, source)}:{r.height},format=yuv420p[v{i}]"
        for i, r in enumerate(rungs)
    )
    split = "".join(f"[s{i}]" for i in range(count))
    graph = f"[0:v]split={count}{split};{scaled}"
    args = [FFMPEG, "-hide_banner", "-loglevel", "error", "-nostdin", "-y", *inputs,
            "-filter_complex", graph]  # fmt: skip
    streams = []
    for i, rung in enumerate(rungs):
        args += ["-map", f"[v{i}]"]
        if source.audio:
            args += ["-map", "0:a:0"]
        args += [f"-b:v:{i}", f"{rung.kbps}k", f"-maxrate:v:{i}", f"{rung.kbps * 11 // 10}k",
                 f"-bufsize:v:{i}", f"{rung.kbps * 3 // 2}k"]  # fmt: skip
        streams.append(f"v:{i},a:{i}" if source.audio else f"v:{i}")
        streams[-1] += f",name:{rung.name}"
    args += ["-c:v", "libx264", "-preset", preset, "-sc_threshold", "0",
             "-force_key_frames", f"expr:gte(t,n_forced*{SEGMENT_SECONDS})"]  # fmt: skip
    if live:
        args += ["-tune", "zerolatency"]
    if source.audio:
        args += ["-c:a", "copy"]
    args += ["-f", "hls", "-hls_time", str(SEGMENT_SECONDS), "-var_stream_map", " ".join(streams)]
    if live:
        args += ["-hls_list_size", "10", "-hls_start_number_source", "epoch",
                 "-hls_flags", "delete_segments+independent_segments+temp_file"]  # fmt: skip
    else:
        args += ["-hls_playlist_type", "vod", "-hls_flags", "independent_segments"]
    for rung in rungs:
        (out / rung.name).mkdir(parents=True, exist_ok=True)
    args += ["-hls_segment_filename", str(out / "%v" / "%d.ts"), str(out / "%v" / "index.m3u8")]
    return args


def _die_with_parent() -> None:  # pragma: no cover - runs in the child
    """ffmpeg is stopped with this program, however it ends (Linux prctl)."""
    # Only the child process needs ctypes.
    import ctypes

    ctypes.CDLL(None).prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG


def run_live(*, url: str, out: Path, ladder: list[Rung], preset: str) -> int:
    """Probe, write the master playlist, encode until the publish ends. Returns
    ffmpeg's exit status (nginx starts this program again if it stops early)."""
    write_master(out, master_playlist(None, []))
    source = None
    for _attempt in range(5):
        try:
            source = probe(url)
            break
        except (subprocess.SubprocessError, ValueError, OSError) as exc:
            print(f"ladder: probing {url}: {exc}", file=sys.stderr)
            time.sleep(1)
    if source is None:
        return 1
    rungs = rungs_below(ladder, source)
    write_master(out, master_playlist(source, rungs))
    encoder = None
    if rungs:
        args = encode_args(inputs=[*FAST_START, "-i", url], source=source, rungs=rungs, out=out,
                           preset=preset, live=True)  # fmt: skip
        encoder = subprocess.Popen(args, preexec_fn=_die_with_parent)  # noqa: S603, PLW1509

    def stop(_signum, _frame):
        if encoder is not None and encoder.poll() is None:
            encoder.terminate()
        raise SystemExit(0)

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    # nginx-rtmp's HLS clean-up removes playlists that stop changing: keep the master
    # fresh while the stream runs.
    while encoder is None or encoder.poll() is None:
        time.sleep(SEGMENT_SECONDS)
        (out / MASTER).touch(exist_ok=True)
    return encoder.returncode


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Encode the ABR ladder of one live stream.")
    parser.add_argument("--input", required=True, help="rtmp://127.0.0.1:<port>/live/<session>")
    parser.add_argument("--out", required=True, type=Path, help="<VIDEO_ROOT>/hls/<session>")
    parser.add_argument("--ladder", required=True, help="480p:480:1400,360p:360:800")
    parser.add_argument("--preset", default="veryfast")
    args = parser.parse_args(argv)
    if not args.out.name.isdigit():  # nginx passes the stream name: sessions only
        print(f"ladder: not a session's stream: {args.out.name}", file=sys.stderr)
        return 2
    return run_live(url=args.input, out=args.out, ladder=parse_ladder(args.ladder),
                    preset=args.preset)  # fmt: skip


if __name__ == "__main__":
    sys.exit(main())
