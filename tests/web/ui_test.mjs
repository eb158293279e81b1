// The try-it page (GET /ui) in real headless Chromium: Debian's /usr/bin/chromium driven by
// playwright-core from web/node_modules (both installed by scripts/setup).
//
//   node tests/web/ui_test.mjs EARSHOT_BINARY ARTEFACT_DIR
//
// Starts `earshot serve` on a free 127.0.0.1 port, opens /ui, uploads a WAV file this test
// writes (espeak-ng speech, 3 s of silence, 3 s of white noise), waits for the answer and
// checks what the page shows: the class, the probabilities, the segment table and metadata,
// and that the waveform and spectrogram canvases were drawn. Then uploads a text file and checks that the server's 400 is shown.
// Last, follows a live stream: a loopback HTTP server of this test plays the same audio as MP3
// at twice real time, and the page must show segments while it plays and all of them at its end.
// Saves ARTEFACT_DIR/ui.png (the page with its result). Exits 0 when every check passed.
import { spawn, spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { createServer as createHttpServer } from "node:http";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const root = resolve(dirname(fileURLToPath(import.meta.url)), "../..");
const require = createRequire(join(root, "web/package.json"));
const { chromium } = require("playwright-core");

const [earshot, artefacts] = process.argv.slice(2);
if (!earshot || !artefacts) {
  console.error("usage: ui_test.mjs EARSHOT_BINARY ARTEFACT_DIR");
  process.exit(2);
}

// 16-bit mono PCM samples <-> WAV files.
function wavBytes(samples, rate) {
  const data = Buffer.alloc(44 + 2 * samples.length);
  data.write("RIFF", 0);
  data.writeUInt32LE(36 + 2 * samples.length, 4);
  data.write("WAVEfmt ", 8);
  data.writeUInt32LE(16, 16);
  data.writeUInt16LE(1, 20);  // PCM
  data.writeUInt16LE(1, 22);  // mono
  data.writeUInt32LE(rate, 24);
  data.writeUInt32LE(2 * rate, 28);
  data.writeUInt16LE(2, 32);
  data.writeUInt16LE(16, 34);
  data.write("data", 36);
  data.writeUInt32LE(2 * samples.length, 40);
  samples.forEach((sample, i) => data.writeInt16LE(sample, 44 + 2 * i));
  return data;
}

function wavSamples(bytes) {
  let offset = 12;
  while (offset + 8 <= bytes.length) {
    const id = bytes.toString("ascii", offset, offset + 4);
    const size = bytes.readUInt32LE(offset + 4);
    if (id === "fmt ") {
      const format = [bytes.readUInt16LE(offset + 8), bytes.readUInt16LE(offset + 10),
                      bytes.readUInt16LE(offset + 22)];
      if (format.join() !== "1,1,16") throw new Error(`espeak-ng wrote ${format}, not 16-bit mono PCM`);
    }
    if (id === "data") {
      const end = Math.min(bytes.length, offset + 8 + size);
      return { rate: bytes.readUInt32LE(24), samples: Array.from({ length: (end - offset - 8) >> 1 },
        (_, i) => bytes.readInt16LE(offset + 8 + 2 * i)) };
    }
    offset += 8 + size + (size & 1);
  }
  throw new Error("no data chunk");
}

// Speech from espeak-ng (installed by scripts/setup), then 3 s of digital silence, then 3 s of
// white noise (a fixed generator: the same file every run).
function speechSilenceNoise(work) {
  const speechFile = join(work, "speech.wav");
  const spoken = spawnSync("espeak-ng", ["-w", speechFile,
    "Good morning. This recording starts with speech, then there is silence, and then noise."]);
  if (spoken.status !== 0) throw new Error(`espeak-ng failed: ${spoken.stderr}`);
  const { rate, samples } = wavSamples(readFileSync(speechFile));
  const silence = new Array(3 * rate).fill(0);
  let seed = 12345;
  const noise = Array.from({ length: 3 * rate }, () => {
    seed = (seed * 1103515245 + 12345) % 2147483648;
    return Math.round((seed / 2147483648 - 0.5) * 2 * 0.3 * 32767);
  });
  return { wav: wavBytes([...samples, ...silence, ...noise], rate), speechSeconds: samples.length / rate };
}

function freePort() {
  return new Promise((done, fail) => {
    const server = createServer();
    server.once("error", fail);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address();
      server.close(() => done(port));
    });
  });
}

async function waitUntilLive(base, server) {
  for (let attempt = 0; attempt < 100; attempt++) {
    if (server.exitCode !== null) throw new Error(`earshot serve exited with ${server.exitCode}`);
    try {
      if ((await fetch(`${base}/health/live`)).ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((wake) => setTimeout(wake, 100));
  }
  throw new Error("earshot serve did not answer /health/live within 10 s");
}

const failures = [];
function check(condition, what) {
  console.log(`${condition ? "ok" : "FAILED"}: ${what}`);
  if (!condition) failures.push(what);
}

// Pixels of a canvas that are not fully transparent or white: something was drawn.
function drawnPixels(page, selector) {
  return page.$eval(selector, (canvas) => {
    const pixels = canvas.getContext("2d").getImageData(0, 0, canvas.width, canvas.height).data;
    let drawn = 0;
    for (let i = 0; i < pixels.length; i += 4) {
      const white = pixels[i] > 250 && pixels[i + 1] > 250 && pixels[i + 2] > 250;
      if (pixels[i + 3] > 0 && !white) drawn++;
    }
    return drawn;
  });
}

const work = mkdtempSync(join(tmpdir(), "earshot-ui-"));
mkdirSync(artefacts, { recursive: true });
// The port was free a moment ago; another test can take it before earshot binds it, and then
// earshot exits at once: it is started again on another port.
let base;
let server;
for (let attempt = 1; ; attempt++) {
  const port = await freePort();
  base = `http://127.0.0.1:${port}`;
  server = spawn(earshot, ["serve"], {
    env: { ...process.env, API_HOST: "127.0.0.1", API_PORT: String(port), LOG_LEVEL: "warning",
           ALLOW_PRIVATE_URLS: "true" },  // the live stream comes from this test, on loopback
    stdio: ["ignore", "inherit", "inherit"],
  });
  try {
    await waitUntilLive(base, server);
    break;
  } catch (error) {
    const exited = server.exitCode !== null;
    if (!exited) server.kill("SIGKILL");
    if (!exited || attempt === 3) throw error;
  }
}
let browser;
const deadline = setTimeout(() => {
  console.error("ui_test: gave up after 150 s");
  server.kill("SIGKILL");
  process.exit(1);
}, 150_000);

try {
  browser = await chromium.launch({
    executablePath: "/usr/bin/chromium",
    headless: true,
    // --disable-dev-shm-usage: containers (CI) often give /dev/shm only 64 MB, too little for
    // Chromium's shared memory; it then uses /tmp.
    args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage"],
  });
  const page = await browser.newPage({ viewport: { width: 1100, height: 900 } });
  const consoleErrors = [];
  page.on("console", (message) => message.type() === "error" && consoleErrors.push(message.text()));
  page.on("pageerror", (error) => consoleErrors.push(error.message));

  await page.goto(`${base}/ui`);
  check((await page.title()).includes("earshot"), "GET /ui serves the page");

  const wav = join(work, "speech-silence-noise.wav");
  const { wav: bytes, speechSeconds } = speechSilenceNoise(work);
  writeFileSync(wav, bytes);
  await page.setInputFiles("#file-input", wav);
  await page.waitForFunction(() => document.getElementById("classification").textContent !== "",
                             null, { timeout: 30_000 });
  const shown = await page.textContent("[data-testid=classification]");
  check(shown === "speech", `the file is shown as speech, its longest class ("${shown}")`);
  const status = await page.textContent("#status");
  check(/Analysed speech-silence-noise\.wav/.test(status),
        `the status line reports the analysis ("${status}")`);
  check((await page.$$("#probabilities li")).length === 4, "four class probabilities are listed");
  const segments = await page.$$eval("#segments tbody tr", (rows) =>
    rows.map((row) => [...row.cells].map((cell) => cell.textContent)));
  const labels = segments.map((segment) => segment[2]).join(",");
  const silenceStart = segments.length === 3 ? Number(segments[1][0]) : NaN;
  check(labels === "speech,silence,noise" && Math.abs(silenceStart - speechSeconds) <= 1,
        `segments speech, silence, noise; silence from ${speechSeconds.toFixed(2)} s within 1 s ` +
        `(${JSON.stringify(segments)})`);
  const metadata = await page.textContent("#metadata");
  check(metadata.includes("22050 Hz") && metadata.includes(`${(speechSeconds + 6).toFixed(2)} s`),
        "the metadata shows the sample rate and the duration");
  check((await drawnPixels(page, "#waveform")) > 1000, "the waveform and timeline are drawn");
  check((await drawnPixels(page, "#spectrogram")) > 1000, "the spectrogram is drawn");
  await page.screenshot({ path: join(artefacts, "ui.png"), fullPage: true });
  check(consoleErrors.length === 0, `no errors in the browser console (${consoleErrors.join("; ")})`);

  const text = join(work, "notes.txt");
  writeFileSync(text, "this is not audio\n");
  await page.setInputFiles("#file-input", text);
  await page.waitForSelector("#status.error", { timeout: 30_000 });
  const error = await page.textContent("#status");
  check(error.startsWith("400:"), `a file that is not audio shows the server's 400 ("${error}")`);

  // A live stream: the same audio three times as 32 kb/s MP3, sent at twice real time (about
  // 17 s), then closed. Segments close about 7 s of audio after their end, so the first ones
  // arrive while it plays.
  const mp3 = spawnSync("ffmpeg", ["-nostdin", "-loglevel", "error", "-stream_loop", "2", "-i", wav,
                                   "-b:a", "32k", "-f", "mp3", "-"], { maxBuffer: 1 << 26 }).stdout;
  const radio = createHttpServer((request, response) => {
    response.writeHead(200, { "Content-Type": "audio/mpeg" });
    let sent = 0;
    const timer = setInterval(() => {
      response.write(mp3.subarray(sent, sent + 800));  // 8 kB/s: twice 32 kb/s
      sent += 800;
      if (sent >= mp3.length) {
        clearInterval(timer);
        response.end();
      }
    }, 100);
    request.on("close", () => clearInterval(timer));
  });
  await new Promise((ready) => radio.listen(0, "127.0.0.1", ready));
  const streamUrl = `http://127.0.0.1:${radio.address().port}/live.mp3`;
  await page.fill("#stream-input", streamUrl);
  await page.click("#stream-form button[type=submit]");
  // The first segment's event; the radio is still sending when it comes.
  await page.waitForFunction(() => /^(Following|The stream ended)/.test(
    document.getElementById("status").textContent), null, { timeout: 30_000 });
  const whilePlaying = await page.textContent("#status");
  const rowsWhilePlaying = await page.$$eval("#segments tbody tr", (rows) => rows.length);
  check(whilePlaying.startsWith("Following") && rowsWhilePlaying >= 1,
        `segments are shown while the stream plays ("${whilePlaying}", ${rowsWhilePlaying} rows)`);
  await page.waitForFunction(() => document.getElementById("status").textContent
                                      .startsWith("The stream ended"), null, { timeout: 40_000 });
  const ended = await page.textContent("#status");
  check(ended.includes("source_ended"), `the page says the source ended it ("${ended}")`);
  const streamLabels = await page.$$eval("#segments tbody tr", (rows) =>
    rows.map((row) => row.cells[2].textContent).join(","));
  check(streamLabels === Array(3).fill("speech,silence,noise").join(","),
        `the stream's timeline is speech, silence, noise three times ("${streamLabels}")`);
  check((await drawnPixels(page, "#waveform")) > 1000, "the stream's timeline is drawn");
  radio.close();
} catch (error) {
  failures.push(String(error.stack || error));
  console.error(error);
} finally {
  clearTimeout(deadline);
  if (browser) await browser.close();
  server.kill("SIGTERM");
  rmSync(work, { recursive: true, force: true });
}

if (failures.length) {
  console.error(`ui_test: ${failures.length} check(s) failed`);
  process.exit(1);
}
console.log(`ui_test: all checks passed; screenshot in ${join(artefacts, "ui.png")}`);
