#include "reconcilers/probe.h"

#include "reconcilers/selection.h"

namespace pgferry {

Result<PreflightInput> Probe(pg::Connector& connector, const api::MigrationSpec& spec,
                             const Endpoints& ep) {
  PreflightInput in;
  in.spec = &spec;
  in.source_endpoint = ep.source.Endpoint();
  in.destination_endpoint = ep.destination.Endpoint();
  {
    auto s = connector.Connect(ep.source);
    if (!s.ok()) return s.status().Prefixed("source");
    auto inv = InspectServer(**s);
    if (!inv.ok()) return inv.status().Prefixed("source");
    in.source = std::move(*inv);
  }
  {
    auto d = connector.Connect(ep.destination);
    if (!d.ok()) return d.status().Prefixed("destination");
    auto inv = InspectServer(**d);
    if (!inv.ok()) return inv.status().Prefixed("destination");
    in.destination = std::move(*inv);
  }
  DatabaseSelection sel = SelectDatabases(spec, in.source);
  in.notes = sel.notes;
  for (const auto& name : sel.selected) {
    DatabaseProbe probe;
    probe.name = name;
    auto s = connector.Connect(ep.source.WithDatabase(name));
    if (s.ok()) {
      auto inv = InspectDatabase(**s);
      if (inv.ok()) probe.source = std::move(*inv);
      else probe.source_error = inv.status();
    } else {
      probe.source_error = s.status();
    }
    probe.exists_on_destination = in.destination.HasDatabase(name);
    if (probe.exists_on_destination) {
      auto d = connector.Connect(ep.destination.WithDatabase(name));
      if (d.ok()) {
        auto inv = InspectDatabase(**d);
        if (inv.ok()) probe.destination = std::move(*inv);
        else probe.destination_error = inv.status();
      } else {
        probe.destination_error = d.status();
      }
    }
    in.databases.push_back(std::move(probe));
  }
  return in;
}

}  // namespace pgferry
