# Kaldi filterbank and AST front end tests (earshot_feature_tests; filter 'Kaldi*:Ast*').
list(APPEND earshot_feature_test_sources
  dsp/kaldi_mel_banks_test.cpp
  dsp/kaldi_fbank_test.cpp
  dsp/kaldi_fbank_reference_test.cpp
  dsp/ast_frontend_test.cpp)
