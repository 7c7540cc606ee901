// libyaml's parser API (Debian's libyaml-dev, pkg-config yaml-0.1) for the Kubernetes client's YAML reader.
// Its own module name, so it never collides with the private copy Yams bundles as `CYaml`.
#include <yaml.h>
