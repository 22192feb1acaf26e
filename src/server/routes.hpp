// The dashboard's URLs.  Routing works on the raw request target, one percent-decoded
// path segment at a time, so that a study name may hold any byte: "/" travels as %2F
// and stays inside the name instead of splitting the path.
//
//   /                                  the studies list (page)
//   /studies/NAME                      a study (page)
//   /assets/NAME                       echarts.min.js, greentune.js, style.css
//   /api/studies                       every study, one line each
//   /api/studies/NAME                  its summary with costs
//   /api/studies/NAME/view             what its page draws (downsampled)
//   /api/studies/NAME/trials?offset=&limit=   a page of its trials
//   /api/version                       {"version": N}, changes when the storage does
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace greentune::server {

struct Route {
  enum class Kind {
    kNotFound,
    kIndexPage,
    kStudyPage,
    kAsset,
    kStudies,
    kStudy,
    kStudyView,
    kStudyTrials,
    kVersion,
  };
  Kind kind = Kind::kNotFound;
  std::string name;  // the study (kStudy*) or the asset (kAsset), decoded
};

// The route of a request target ("/api/studies/a%2Fb/view?x=1"); the query is ignored.
Route route_of(std::string_view target);

// %XX decoded; "+" stays "+" (it means a space only in queries).  nullopt for a broken
// escape ("%4", "%zz").
std::optional<std::string> percent_decode(std::string_view segment);

// Every byte but A-Z a-z 0-9 - . _ ~ as %XX: a study name as one path segment, or a
// token as a query value.
std::string percent_encode(std::string_view text);

}  // namespace greentune::server
