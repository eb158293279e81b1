# The synthetic machine-sound generator (tools/machine_sounds); the WAV round trip decodes with
# earshot_audio.
if(TARGET earshot_machine_sounds)
  earshot_add_test(earshot_machine_sounds_tests LABEL unit TIMEOUT 60
    SOURCES tools/machine_sounds_test.cpp
    LIBRARIES earshot_machine_sounds earshot_audio)
endif()
