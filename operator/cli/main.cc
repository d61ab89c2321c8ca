#include <cstdio>
int main() { std::puts("pgferry"); return 0; }
