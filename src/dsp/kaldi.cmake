# Kaldi-compatible filterbank (torchaudio.compliance.kaldi.fbank) and the AST front end.
target_sources(earshot_dsp PRIVATE
  ${CMAKE_CURRENT_LIST_DIR}/kaldi_mel_banks.cpp
  ${CMAKE_CURRENT_LIST_DIR}/kaldi_fbank.cpp
  ${CMAKE_CURRENT_LIST_DIR}/ast_frontend.cpp)
