"""Synthesised speech from espeak-ng, an augmentation of the content model's speech class.

The speech packages hold a handful of languages and voices; espeak-ng adds many more (and
its formant voice is nothing like a recording), so the model hears speech by its rhythm of
syllables rather than by one speaker's timbre. It stays a minority of the speech blocks
(build_blocks caps it), because synthetic speech is not what earshot mostly hears.
"""

import subprocess

import numpy as np

# A few everyday sentences per language; utterances shuffle and join them.
SENTENCES = {
    "en": ["The train to the coast leaves at half past nine.", "Could you tell me where the library is?",
           "We painted the kitchen yellow last summer.", "Please leave a message after the tone.",
           "The weather will be cloudy with some rain in the evening.", "I think the meeting starts tomorrow."],
    "de": ["Der Zug nach Hamburg hat heute Verspätung.", "Kannst du mir bitte das Salz geben?",
           "Wir treffen uns morgen um acht Uhr am Bahnhof.", "Das Wetter wird am Wochenende sonnig.",
           "Ich habe das Buch schon zweimal gelesen."],
    "fr": ["Le train pour Lyon part à dix heures.", "Pouvez-vous m'indiquer la gare, s'il vous plaît ?",
           "Nous avons mangé au restaurant hier soir.", "Il fera beau demain dans tout le pays.",
           "Merci de laisser un message après le bip."],
    "es": ["El autobús llega a las ocho de la mañana.", "¿Dónde está la farmacia más cercana?",
           "Mañana vamos a visitar a mis abuelos.", "Hoy hace mucho calor en la ciudad.",
           "Por favor, cierre la puerta al salir."],
    "it": ["Il treno per Roma parte dal binario tre.", "Vorrei un caffè e un bicchiere d'acqua.",
           "Domani andiamo al mare con gli amici.", "La riunione è stata spostata a giovedì."],
    "nl": ["De trein naar Utrecht vertrekt om tien uur.", "Mag ik een kopje koffie, alstublieft?",
           "Morgen gaan we fietsen in het park.", "Het regent al de hele dag."],
    "pt": ["O comboio para o Porto sai às nove horas.", "Onde fica a estação de autocarros?",
           "Amanhã vamos jantar em casa da minha irmã.", "O tempo vai melhorar no fim de semana."],
    "pl": ["Pociąg do Krakowa odjeżdża o dziewiątej.", "Czy mogę prosić o szklankę wody?",
           "Jutro idziemy do kina z przyjaciółmi.", "Dzisiaj jest bardzo zimno."],
    "sv": ["Tåget till Göteborg går klockan nio.", "Kan du hjälpa mig med väskan?",
           "Vi ska äta middag hos mina föräldrar.", "Det blir regn i morgon eftermiddag."],
    "ru": ["Поезд в Москву отправляется в девять часов.", "Скажите, пожалуйста, где здесь аптека?",
           "Завтра мы поедем на дачу.", "Сегодня на улице очень холодно."],
    "cs": ["Vlak do Brna odjíždí v devět hodin.", "Můžete mi prosím pomoci?",
           "Zítra půjdeme na procházku do parku.", "Dnes je venku velmi teplo."],
}


def utterance(rng, language):
    sentences = SENTENCES[language.split("-")[0]]
    count = int(rng.integers(1, 4))
    return " ".join(rng.choice(sentences, size=count, replace=False))


def render(settings, voices, folder):
    """`settings["utterances"]` WAV files of synthesised speech in `folder` (written once), each
    with a language, voice variant, speed and pitch drawn from `voices`. Returns their paths."""
    rng = np.random.default_rng(settings["seed"])
    paths = []
    folder.mkdir(parents=True, exist_ok=True)
    for index in range(settings["utterances"]):
        language = str(rng.choice(voices["languages"]))
        variant = str(rng.choice(voices["variants"]))
        speed = int(rng.integers(*voices["words_per_minute"]))
        pitch = int(rng.integers(*voices["pitch"]))
        text = utterance(rng, language)
        target = folder / f"{index:04d}-{language}{variant.replace('+', '-')}.wav"
        if not target.exists():
            partial = target.with_suffix(".partial.wav")
            subprocess.run(["espeak-ng", "-v", language + variant, "-s", str(speed), "-p", str(pitch),
                            "-w", str(partial), text], check=True, capture_output=True)
            partial.rename(target)
        paths.append(target)
    return paths
