// `erralertd cluster status --config FILE`: what fleet mode's Redis holds (CONTRACT.md section 1
// and 8): the sidecars alive, the groups each owns and what waits in them, each webhook's shared
// pace. Read-only; it works whether or not a daemon runs on this host.
//
//   ClusterOptions o{.config = "/etc/erralert/erralert.yaml"};
//   return cluster_status(o, std::cout, std::cerr);   // 0, 1 no cluster block, 3 Redis unreachable
#pragma once

#include <iosfwd>
#include <string>

namespace erralert::app {

struct ClusterOptions {
  std::string config;
  bool json = false;
};

int cluster_status(const ClusterOptions& o, std::ostream& out, std::ostream& err);

}  // namespace erralert::app
