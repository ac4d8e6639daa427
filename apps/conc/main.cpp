// conc: the binary. Flag parsing lives in app.cpp, the work in lib/.
#include "app.h"

int main(int argc, char** argv) { return conc::cli::run_app(argc, argv, conc::cli::all_commands()); }
