// The earshot try-it page: sends a file (POST /analyze) or a URL (POST /analyze-audio), both
// with ?overview=true, and draws the answer; or follows a live stream (POST /streams) and draws
// its timeline as segments arrive (Server-Sent Events). Plain browser JavaScript, no build step
// and no dependency, so earshot can serve it from its own binary.
"use strict";

const CLASSES = ["speech", "music", "noise", "silence"];
const $ = (id) => document.getElementById(id);

function classColour(label) {
  return getComputedStyle(document.documentElement).getPropertyValue(`--${label}`).trim();
}

function setStatus(text, isError = false) {
  $("status").textContent = text;
  $("status").classList.toggle("error", isError);
}

function setBusy(busy) {
  for (const element of document.querySelectorAll("button, input")) element.disabled = busy;
}

// FastAPI's errors: {"detail": "text"} or {"detail": [{"loc": [...], "msg": ...}, ...]}.
function errorText(status, body) {
  const detail = body && body.detail;
  if (typeof detail === "string") return `${status}: ${detail}`;
  if (Array.isArray(detail)) {
    return `${status}: ` + detail.map((d) => `${(d.loc || []).join(".")}: ${d.msg}`).join("; ");
  }
  return `${status}: the server gave no explanation`;
}

async function request(url, options, what) {
  setBusy(true);
  setStatus(`Analysing ${what}…`);
  const started = performance.now();
  try {
    const response = await fetch(url, options);
    const body = await response.json().catch(() => null);
    if (!response.ok) {
      setStatus(errorText(response.status, body), true);
      return;
    }
    const seconds = ((performance.now() - started) / 1000).toFixed(2);
    const cache = response.headers.get("X-Cache") === "HIT" ? " (from the cache)" : "";
    setStatus(`Analysed ${what} in ${seconds} s${cache}.`);
    show(body.data);
  } catch (error) {
    setStatus(`The request failed: ${error.message}`, true);
  } finally {
    setBusy(false);
  }
}

function analyseFile(file) {
  const form = new FormData();
  form.append("file", file, file.name);
  request("/analyze?overview=true", { method: "POST", body: form }, file.name);
}

function analyseUrl(url) {
  request("/analyze-audio?overview=true", {
    method: "POST",
    headers: { "Content-Type": "application/json" },
    body: JSON.stringify({ audio_url: url }),
  }, url);
}

function show(data) {
  $("result").hidden = false;
  $("classification").textContent = data.classification ?? "—";
  $("classification").style.color = classColour(data.classification);
  showProbabilities(data.class_probabilities || {});
  showLegend();
  drawWaveform($("waveform"), data);
  drawSpectrogram($("spectrogram"), data.overview && data.overview.spectrogram);
  showSegments(data.segments || []);
  showMetadata(data);
  const { overview, ...rest } = data;
  $("raw").textContent = JSON.stringify(rest, null, 2);
}

function showProbabilities(probabilities) {
  const list = $("probabilities");
  list.replaceChildren();
  for (const label of CLASSES) {
    const p = probabilities[label] ?? 0;
    const item = document.createElement("li");
    item.innerHTML = `<span>${label}</span><span class="bar"><span></span></span>` +
      `<span class="value">${(100 * p).toFixed(1)} %</span>`;
    const bar = item.querySelector(".bar span");
    bar.style.width = `${100 * p}%`;
    bar.style.background = classColour(label);
    list.append(item);
  }
}

function showLegend() {
  const legend = $("legend");
  legend.replaceChildren();
  for (const label of CLASSES) {
    const entry = document.createElement("span");
    entry.textContent = label;
    entry.style.setProperty("--swatch", classColour(label));
    legend.append(entry);
  }
}

// A canvas at the device's pixel density, cleared; returns its context and CSS size.
function prepare(canvas) {
  const ratio = window.devicePixelRatio || 1;
  const width = canvas.clientWidth;
  const height = canvas.clientHeight;
  canvas.width = Math.round(width * ratio);
  canvas.height = Math.round(height * ratio);
  const context = canvas.getContext("2d");
  context.setTransform(ratio, 0, 0, ratio, 0, 0);
  context.clearRect(0, 0, width, height);
  return { context, width, height };
}

function drawWaveform(canvas, data) {
  const { context, width, height } = prepare(canvas);
  const duration = data.duration || 0;
  const x = (seconds) => (duration > 0 ? (seconds / duration) * width : 0);
  // The timeline behind the waveform.
  for (const segment of data.segments || []) {
    context.fillStyle = classColour(segment.label);
    context.globalAlpha = 0.18;
    context.fillRect(x(segment.start), 0, x(segment.end) - x(segment.start), height);
    context.globalAlpha = 1;
    context.fillRect(x(segment.start), height - 6, x(segment.end) - x(segment.start), 6);
  }
  const waveform = data.overview && data.overview.waveform;
  if (!waveform || waveform.min.length === 0) return;
  const middle = (height - 6) / 2;
  context.fillStyle = "#1d2330";
  const step = waveform.seconds_per_point;
  for (let i = 0; i < waveform.min.length; i++) {
    const left = x(i * step);
    const right = Math.max(left + 1, x((i + 1) * step));
    const top = middle - waveform.max[i] * middle;
    const bottom = middle - waveform.min[i] * middle;
    context.fillRect(left, top, right - left, Math.max(1, bottom - top));
  }
  // Segment boundaries.
  context.fillStyle = "#ffffff";
  for (const segment of (data.segments || []).slice(1)) context.fillRect(x(segment.start), 0, 1, height);
}

// Level 0..255 -> a dark-blue .. yellow ramp (perceptually ordered, like viridis).
const RAMP = [[13, 8, 135], [84, 2, 163], [139, 10, 165], [185, 50, 137], [219, 92, 104],
  [244, 136, 73], [254, 188, 43], [240, 249, 33]];
function rampColour(level) {
  const t = (level / 255) * (RAMP.length - 1);
  const i = Math.min(RAMP.length - 2, Math.floor(t));
  const f = t - i;
  return RAMP[i].map((c, k) => Math.round(c + f * (RAMP[i + 1][k] - c)));
}

function drawSpectrogram(canvas, spectrogram) {
  const { context, width, height } = prepare(canvas);
  if (!spectrogram || spectrogram.levels.length === 0) return;
  const columns = spectrogram.levels.length;
  const bands = spectrogram.bands;
  const image = context.createImageData(columns, bands);
  for (let c = 0; c < columns; c++) {
    for (let b = 0; b < bands; b++) {
      const [r, g, bl] = rampColour(spectrogram.levels[c][b]);
      const offset = 4 * ((bands - 1 - b) * columns + c);  // low bands at the bottom
      image.data.set([r, g, bl, 255], offset);
    }
  }
  const bitmap = document.createElement("canvas");
  bitmap.width = columns;
  bitmap.height = bands;
  bitmap.getContext("2d").putImageData(image, 0, 0);
  context.imageSmoothingEnabled = false;
  context.drawImage(bitmap, 0, 0, width, height);
}

function showSegments(segments) {
  const body = $("segments").querySelector("tbody");
  body.replaceChildren();
  for (const segment of segments) {
    const row = body.insertRow();
    row.insertCell().textContent = segment.start.toFixed(2);
    row.insertCell().textContent = segment.end.toFixed(2);
    const label = row.insertCell();
    label.textContent = segment.label;
    label.style.color = classColour(segment.label);
  }
}

function showMetadata(data) {
  const number = (value, unit, digits = 1) =>
    value === null || value === undefined ? "—" : `${Number(value).toFixed(digits)} ${unit}`;
  const rows = [
    ["Duration", number(data.duration, "s", 2)],
    ["Sample rate", number(data.sample_rate, "Hz", 0)],
    ["Channels", data.channels],
    ["Codec / container", `${data.codec ?? "—"} / ${data.container ?? "—"}`],
    ["Bit rate", data.bit_rate ? number(data.bit_rate / 1000, "kb/s", 0) : "—"],
    ["Loudness", number(data.loudness_lufs, "LUFS")],
    ["True peak", number(data.true_peak_dbfs, "dBTP")],
    ["RMS level", number(data.rms_dbfs, "dBFS")],
    ["Silent share", number(100 * (data.silent_fraction ?? 0), "%")],
    ["Clipped samples", number(100 * (data.clipped_ratio ?? 0), "%", 3)],
    ["Decode errors", data.decode_errors ?? 0],
    ["Warnings", (data.warnings || []).join("; ") || "none"],
  ];
  const body = $("metadata").querySelector("tbody");
  body.replaceChildren();
  for (const [name, value] of rows) {
    const row = body.insertRow();
    const header = document.createElement("th");
    header.textContent = name;
    row.append(header);
    row.insertCell().textContent = value;
  }
}

// A live stream followed: its segments as they close, drawn on a timeline that grows.
let following = null;  // {id, url, events: EventSource, segments: []}

function showStream(state, segments) {
  const end = segments.length ? segments[segments.length - 1].end : 0;
  const data = { ...state, segments, duration: state.seconds || end };
  $("result").hidden = false;
  $("classification").textContent = state.classification ?? "listening…";
  $("classification").style.color = classColour(state.classification ?? "silence");
  showProbabilities(state.class_probabilities || {});
  showLegend();
  drawWaveform($("waveform"), { ...data, duration: Math.max(end, data.duration || 0) });
  prepare($("spectrogram"));
  showSegments(segments);
  showMetadata({ duration: data.duration, warnings: state.error ? [state.error] : [] });
  $("raw").textContent = JSON.stringify({ ...state, segments }, null, 2);
}

function stopFollowing() {
  if (!following) return;
  following.events.close();
  $("stream-stop").hidden = true;
  setBusy(false);
}

async function followStream(url) {
  stopFollowing();
  setBusy(true);
  setStatus(`Connecting to ${url}…`);
  let response;
  let body;
  try {
    response = await fetch("/streams", {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ url }),
    });
    body = await response.json().catch(() => null);
  } catch (error) {
    setBusy(false);
    setStatus(`The request failed: ${error.message}`, true);
    return;
  }
  if (!response.ok) {
    setBusy(false);
    setStatus(errorText(response.status, body), true);
    return;
  }
  const events = new EventSource(`/streams/${body.id}/events`);
  following = { id: body.id, url, events, segments: [] };
  const current = following;
  $("stream-stop").hidden = false;
  $("stream-stop").disabled = false;
  showStream(body, []);
  events.addEventListener("segment", (event) => {
    current.segments.push(JSON.parse(event.data));
    const heard = current.segments[current.segments.length - 1].end;
    setStatus(`Following ${url}: ${heard.toFixed(1)} s heard, ${current.segments.length} segments.`);
    showStream({ ...body, seconds: heard }, current.segments);
  });
  events.addEventListener("end", (event) => {
    const state = JSON.parse(event.data);
    events.close();
    showStream(state, current.segments);
    setStatus(`The stream ended (${state.reason})${state.error ? `: ${state.error}` : ""}.`,
              state.state === "failed");
    stopFollowing();
  });
  events.onerror = () => {
    if (events.readyState === EventSource.CLOSED) stopFollowing();
  };
}

$("stream-form").addEventListener("submit", (event) => {
  event.preventDefault();
  followStream($("stream-input").value.trim());
});

$("stream-stop").addEventListener("click", async () => {
  if (following) await fetch(`/streams/${following.id}`, { method: "DELETE" });
});

$("file-input").addEventListener("change", (event) => {
  const [file] = event.target.files;
  if (file) analyseFile(file);
  event.target.value = "";
});

$("url-form").addEventListener("submit", (event) => {
  event.preventDefault();
  analyseUrl($("url-input").value.trim());
});

const dropZone = $("drop-zone");
for (const name of ["dragenter", "dragover"]) {
  dropZone.addEventListener(name, (event) => {
    event.preventDefault();
    dropZone.classList.add("dragging");
  });
}
for (const name of ["dragleave", "drop"]) {
  dropZone.addEventListener(name, () => dropZone.classList.remove("dragging"));
}
dropZone.addEventListener("drop", (event) => {
  event.preventDefault();
  const [file] = event.dataTransfer.files;
  if (file) analyseFile(file);
});
