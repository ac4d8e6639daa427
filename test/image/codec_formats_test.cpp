// placeholder until this part of issue 13 is written
#include <catch2/catch.hpp>
