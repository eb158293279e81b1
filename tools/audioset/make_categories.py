#!/usr/bin/python3
"""Maps every AudioSet class to earshot's content classes (speech, music, noise, silence) by
walking the AudioSet ontology, and writes models/ast/audioset_categories.json, which earshot
compiles in to read an AudioSet model's labels (the AST predictor).

    tools/audioset/make_categories.py [--ontology ONTOLOGY_JSON] [--out OUT_JSON]

The mapping is keyed by class name (the `display_name` of class_labels_indices.csv, which is
what a Hugging Face checkpoint's id2label holds), so it follows the names, never the indices:
a checkpoint with its own label order or a subset of the classes maps the same way. Names are
matched whole; nothing is matched by substring.

Rules, in order (the first that holds decides; a class with several parents, such as Bell,
under both Musical instrument and Sounds of things, is in every subtree its parents are in):
1. An explicit decision in EDGE_CASES below, for the human sounds that are neither plainly
   speech nor plainly noise.
2. In the Speech subtree: speech.
3. In the Music subtree: music.
4. Silence: silence.
5. In the Human voice subtree (shouts, screams, whispers, laughter, crying, sighs, groans...):
   speech. A person's voice in a recording is what a reader of a speech / music / noise
   timeline calls speech, even when it is not words.
6. Everything else (Animal, Natural sounds, Sounds of things, Source-ambiguous sounds,
   Channel, environment and background, and the rest of Human sounds: breathing, footsteps,
   clapping, heartbeats, crowds): noise.
"""

import argparse
import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
DEFAULT_ONTOLOGY = ROOT / "tools/audioset/ontology.json"

# Human sounds whose class is a decision rather than a consequence of the hierarchy.
EDGE_CASES = {
    "Singing": ("music", "sung melody is music, though the ontology files it under Human voice"),
    "Humming": ("music", "a hummed tune is music"),
    "Whistling": ("music", "a whistled tune is music"),
    "Wolf-whistling": ("noise", "a call, not a tune"),
    "Crowd": ("noise", "many people at once: background, not speech to follow"),
    "Chatter": ("noise", "many voices at once: background"),
    "Hubbub, speech noise, speech babble": ("noise", "babble is background, not speech"),
    "Cheering": ("noise", "crowd sound"),
    "Applause": ("noise", "crowd sound"),
    "Children playing": ("noise", "crowd sound"),
}


def subtree(ontology, root_name):
    """Every class name under (and including) root_name."""
    by_id = {c["id"]: c for c in ontology}
    root = next(c for c in ontology if c["name"] == root_name)
    names, stack = set(), [root]
    while stack:
        node = stack.pop()
        if node["name"] not in names:
            names.add(node["name"])
            stack.extend(by_id[child] for child in node["child_ids"])
    return names


def categories(ontology):
    speech, music = subtree(ontology, "Speech"), subtree(ontology, "Music")
    voice = subtree(ontology, "Human voice")
    # Subtrees of the edge cases (Singing's Choir, Rapping, ...) follow their root's decision.
    edge = {}
    for name, (category, _) in EDGE_CASES.items():
        for member in subtree(ontology, name):
            edge.setdefault(member, category)
    for name, (category, _) in EDGE_CASES.items():
        edge[name] = category  # an edge case named itself wins over its parent's
    out = {}
    for name in sorted(c["name"] for c in ontology):
        if name in edge:
            out[name] = edge[name]
        elif name in speech:
            out[name] = "speech"
        elif name in music:
            out[name] = "music"
        elif name == "Silence":
            out[name] = "silence"
        elif name in voice:
            out[name] = "speech"
        else:
            out[name] = "noise"
    return out


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--ontology", type=Path, default=DEFAULT_ONTOLOGY)
    parser.add_argument("--out", type=Path, default=ROOT / "models/ast/audioset_categories.json")
    args = parser.parse_args()
    ontology = json.loads(args.ontology.read_text())
    mapping = categories(ontology)
    document = {
        "about": "AudioSet class name -> earshot content class, made by "
                 "tools/audioset/make_categories.py from the AudioSet ontology (version 1, "
                 "2017-03-06; Google, CC BY 4.0). The rules are in that script.",
        "edge_cases": {name: {"category": c, "why": why} for name, (c, why) in EDGE_CASES.items()},
        "categories": mapping,
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(document, indent=1, ensure_ascii=False) + "\n")
    counts = {c: sum(1 for v in mapping.values() if v == c)
              for c in ("speech", "music", "noise", "silence")}
    print(f"{len(mapping)} classes: {counts}")


if __name__ == "__main__":
    sys.exit(main())
