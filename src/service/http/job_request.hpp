// What a client asks of a job (the body of POST /jobs, request_parsing.hpp): the job queues
// (service/jobs) carry it to whoever runs the job.
#pragma once

#include <string>

namespace earshot::service {

struct JobRequest {
  std::string audio_url;
  std::string model_name;    // empty: analysis only
  std::string callback_url;  // empty: no callback
  bool operator==(const JobRequest&) const = default;
};

}  // namespace earshot::service
