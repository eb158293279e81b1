"""Audio the checks send, made with ffmpeg in the run's scratch folder and made once."""

import os
import shutil
import subprocess


class Audio:
    def __init__(self, folder):
        self.folder = folder
        self.ffmpeg = shutil.which("ffmpeg")

    def _make(self, name, args, timeout=180):
        path = os.path.join(self.folder, name)
        if not os.path.exists(path):
            if not self.ffmpeg:
                raise RuntimeError("ffmpeg is not on PATH")
            subprocess.run([self.ffmpeg, "-hide_banner", "-loglevel", "error", "-nostdin", "-y",
                            *args, path], check=True, timeout=timeout)
        return path

    def long_dc_flac(self):
        """14000 s (3.9 h, under the 4 h limit) of a constant 0.5 at 16 kHz: about 60 KB."""
        return self._make("dc-3.9h.flac", ["-f", "lavfi", "-i", "aevalsrc=0.5:s=16000",
                                           "-t", "14000", "-c:a", "flac",
                                           "-frame_size", "65535"])

    def tone_wav(self, seconds, rate=16000):
        """A 440 Hz mono 16-bit WAV: 32 KB per second at 16 kHz."""
        return self._make(f"tone-{seconds}s-{rate}.wav",
                          ["-f", "lavfi", "-i", f"sine=frequency=440:sample_rate={rate}",
                           "-t", str(seconds), "-ac", "1", "-c:a", "pcm_s16le"])

    def noise_wav(self, seconds):
        """White noise, mono 16-bit 16 kHz."""
        return self._make(f"noise-{seconds}s.wav",
                          ["-f", "lavfi", "-i", "anoisesrc=color=white:sample_rate=16000:seed=7",
                           "-t", str(seconds), "-ac", "1", "-c:a", "pcm_s16le"])


def variants(path, count):
    """`count` copies of a WAV's bytes that differ in their last sample, so that no two share
    a cache entry (results are cached by a hash of the bytes)."""
    with open(path, "rb") as source:
        data = bytearray(source.read())
    copies = []
    for index in range(count):
        data[-2:] = index.to_bytes(2, "little")
        copies.append(bytes(data))
    return copies
