#include "cli/commands.hpp"

int main(int argc, char** argv) { return greentune::cli::main(argc, argv); }
