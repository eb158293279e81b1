"""The content model v2: the window CNN of v1 (content_cnn.Cnn, one 1 s window of
content-log-mel-v1 at a time) and a context layer over the windows around each one.

Why context: one second cannot tell a held note from a drone, or a drum groove from hammering;
five can. The context layer reads, for every window, the CNN's 64-value embedding (the hidden
layer before its logits) of the window and of the two on each side (silent windows and the ends
of the file give zeros, and a flag that says the window sounds), and gives the window's
speech / music / noise probabilities and the probability that music plays under speech.

    context   Conv1d(65 -> C, kernel 5, zero padding 2) over windows, ReLU
    class     Conv1d(C -> 3, kernel 1): logits of speech, music, noise
    background Conv1d(C -> 1, kernel 1): logit of music under speech

Training is in two stages (train.py): the CNN on single windows, as in v1, then, with the CNN
fixed, the context layer on the embeddings of 5 s blocks, some of them spliced from two blocks
of different classes so that it also learns where a class changes. The file format extends v1's
(src/analysis/content_cnn.hpp): the same conv.* and dense.* tensors plus context.weight,
context.bias, class.weight, class.bias, background.weight, background.bias, and metadata
"context": "2", "background": "music".
"""
import numpy as np
import torch

import content_cnn

CONTEXT = 2  # windows on each side
EMBEDDING = 64  # the CNN's hidden layer
CONTEXT_CHANNELS = 32
SPEECH, MUSIC, NOISE = 0, 1, 2


class ContextHead(torch.nn.Module):
    def __init__(self, channels=CONTEXT_CHANNELS):
        super().__init__()
        self.context = torch.nn.Conv1d(EMBEDDING + 1, channels, 2 * CONTEXT + 1, padding=CONTEXT)
        self.classes = torch.nn.Conv1d(channels, 3, 1)
        self.background = torch.nn.Conv1d(channels, 1, 1)

    def forward(self, embeddings, sounding):
        """embeddings (N, T, 64) (zeros where not sounding), sounding (N, T) bool ->
        class logits (N, T, 3) and background logits (N, T)."""
        x = torch.cat([embeddings * sounding[..., None], sounding[..., None].float()], dim=2)
        h = torch.relu(self.context(x.transpose(1, 2)))
        return self.classes(h).transpose(1, 2), self.background(h)[:, 0, :]


def embeddings(cnn, frames, batch=2048):
    """The CNN's hidden layer (N, 64) and its own logits (N, 3) for log-mel windows
    (N, 101, 64), in eval mode."""
    hidden, logits = [], []
    dense = [m for m in cnn.head if isinstance(m, torch.nn.Linear)]
    with torch.no_grad():
        for start in range(0, len(frames), batch):
            x = content_cnn.standardise(np.asarray(frames[start:start + batch], np.float32))
            means, maxes = cnn.statistics(x)
            h = torch.relu(dense[0](torch.cat([means, maxes], dim=1).flatten(1)))
            hidden.append(h)
            logits.append(dense[1](h))
    return torch.cat(hidden).numpy(), torch.cat(logits).numpy()


def spliced(emb, sounding, labels, background, rng, share=0.3):
    """Blocks (N, T, ...) with per-block labels -> per-window labels (N, T), with `share` of the
    blocks made of the start of one block and the end of another of a different class, cut at a
    random window."""
    n, span = sounding.shape
    window_labels = np.repeat(labels[:, None], span, axis=1)
    window_background = np.repeat(background[:, None], span, axis=1)
    emb, sounding = emb.copy(), sounding.copy()
    for i in np.flatnonzero(rng.random(n) < share):
        j = int(rng.integers(n))
        if labels[j] == labels[i]:
            continue
        cut = int(rng.integers(1, span))
        emb[i, cut:], sounding[i, cut:] = emb[j, cut:], sounding[j, cut:]
        window_labels[i, cut:] = labels[j]
        window_background[i, cut:] = background[j]
    return emb, sounding, window_labels, window_background


def train_context(emb, sounding, labels, background, seed, epochs=12, batch=256):
    """A ContextHead trained on block embeddings (N, T, 64) with per-block labels and
    background flags: classes balanced by weighting, background learnt on speech windows."""
    torch.manual_seed(seed)
    rng = np.random.default_rng([seed, 2])
    head = ContextHead()
    optimiser = torch.optim.AdamW(head.parameters(), lr=3e-3, weight_decay=1e-3)
    class_weight = torch.tensor(len(labels) / (3 * np.bincount(labels, minlength=3).clip(1)),
                                dtype=torch.float32)
    for epoch in range(epochs):
        e, s, wl, wb = spliced(emb, sounding, labels, background, rng)
        order = rng.permutation(len(labels))
        total = 0.0
        for start in range(0, len(order), batch):
            chosen = order[start:start + batch]
            x = torch.from_numpy(e[chosen])
            present = torch.from_numpy(s[chosen])
            y = torch.from_numpy(wl[chosen].astype(np.int64))
            b = torch.from_numpy(wb[chosen].astype(np.float32))
            class_logits, background_logits = head(x, present)
            mask = present.reshape(-1)
            class_loss = torch.nn.functional.cross_entropy(
                class_logits.reshape(-1, 3)[mask], y.reshape(-1)[mask], weight=class_weight)
            speech = mask & (y.reshape(-1) == SPEECH)
            background_loss = (torch.nn.functional.binary_cross_entropy_with_logits(
                background_logits.reshape(-1)[speech], b.reshape(-1)[speech])
                if speech.any() else torch.zeros(()))
            loss = class_loss + 0.5 * background_loss
            optimiser.zero_grad()
            loss.backward()
            optimiser.step()
            total += loss.item() * len(chosen)
        print(f"context epoch {epoch + 1:2}: loss {total / len(order):.3f}", flush=True)
    return head.eval()


def predict(cnn, head, frames, sounding):
    """Per-window class probabilities (N, T, 3) and background probabilities (N, T) of blocks
    of log-mel windows (N, T, 101, 64) whose sounding windows are marked (N, T)."""
    n, span = sounding.shape
    flat = sounding.reshape(-1)
    hidden = np.zeros((n * span, EMBEDDING), np.float32)
    if flat.any():
        hidden[flat] = embeddings(cnn, frames.reshape(n * span, *frames.shape[2:])[flat])[0]
    with torch.no_grad():
        logits, background = head(torch.from_numpy(hidden.reshape(n, span, EMBEDDING)),
                                  torch.from_numpy(sounding))
    return torch.softmax(logits, 2).numpy(), torch.sigmoid(background).numpy()


def tensors(cnn, head):
    """{name: float32 array} in earshot's format: v1's folded CNN plus the context layer."""
    out = content_cnn.folded_tensors(cnn)
    for name, layer in [("context", head.context), ("class", head.classes),
                        ("background", head.background)]:
        out[f"{name}.weight"] = layer.weight.detach().numpy().astype(np.float32)
        out[f"{name}.bias"] = layer.bias.detach().numpy().astype(np.float32)
    return out


def metadata(tensors_, version):
    meta = content_cnn.metadata(tensors_, version)
    meta.update({"context": str(CONTEXT), "background": "music"})
    return meta


def exported_outputs(tensors_, hidden, sounding):
    """The context layer as earshot computes it (src/analysis/content_context.cpp), in NumPy,
    from the exported tensors: hidden (T, 64) embeddings of one file's windows, sounding (T,)."""
    weight, radius = tensors_["context.weight"], CONTEXT
    x = np.concatenate([hidden * sounding[:, None], sounding[:, None].astype(np.float32)], 1)
    padded = np.pad(x, ((radius, radius), (0, 0)))
    h = np.stack([np.einsum("oik,ki->o", weight, padded[t:t + 2 * radius + 1])
                  for t in range(len(x))]) + tensors_["context.bias"]
    h = np.maximum(h, 0)
    logits = h @ tensors_["class.weight"][:, :, 0].T + tensors_["class.bias"]
    probabilities = np.exp(logits - logits.max(1, keepdims=True))
    background = h @ tensors_["background.weight"][0, :, 0] + tensors_["background.bias"][0]
    return probabilities / probabilities.sum(1, keepdims=True), 1 / (1 + np.exp(-background))


def check_export(head, tensors_):
    """The exported context layer must give the trained one's outputs (random embeddings)."""
    rng = np.random.default_rng(0)
    hidden = rng.uniform(0, 3, (12, EMBEDDING)).astype(np.float32)
    sounding = rng.random(12) > 0.2
    p, b = exported_outputs(tensors_, hidden, sounding)
    with torch.no_grad():
        logits, background = head(torch.from_numpy(hidden[None]), torch.from_numpy(sounding[None]))
    gap = max(np.abs(p - torch.softmax(logits, 2)[0].numpy()).max(),
              np.abs(b - torch.sigmoid(background)[0].numpy()).max())
    if gap > 1e-4:
        raise SystemExit(f"the exported context layer differs from the trained one by {gap}")
    print(f"exported context layer checked: largest difference {gap:.1e}")
