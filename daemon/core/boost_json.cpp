// Boost.JSON's implementation, compiled once here instead of linking libboost_json, so that the
// sanitizer and fuzzing builds instrument the parser that reads untrusted event text.
#include <boost/json/src.hpp>
