// Times the PDQ reference (facebook/ThreatExchange pdq/cpp) stage by stage, in CPU time of this process,
// on each file named on the command line: decode (CImg with libjpeg/libpng, as pdq-photo-hasher loads),
// then for the full-resolution flavour the core on the full buffer (luma + pdqHash256FromFloatLuma), and for
// the CLI-512 flavour the tool's nearest-neighbour resize followed by the same core. Built by
// bench/lib/pdq-reference.ts against a reference checkout; nothing of the reference is kept in this project.
//
// Output, one line per file: path<TAB>width<TAB>height<TAB>decodeMs<TAB>fullCoreMs<TAB>fullHash<TAB>
// fullQuality<TAB>resizeMs<TAB>cli512CoreMs<TAB>cli512Hash<TAB>cli512Quality; "ERROR<TAB>path" if undecodable.
#include <pdq/cpp/hashing/pdqhashing.h>
#include <pdq/cpp/io/pdqio.h>

#include <cstdio>
#include <ctime>

#include "CImg.h"

using namespace facebook::pdq::hashing;

static double cpuMs() {
  timespec ts;
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
  return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

// The core as pdqHash256FromFile runs it after loading: float luma, two full-size buffers, the hash.
static void core(cimg_library::CImg<uint8_t>& img, Hash256& hash, int& quality) {
  int numRows, numCols;
  float* fullBuffer1 = loadFloatLumaFromCImg(img, numRows, numCols);
  float* fullBuffer2 = new float[numRows * numCols];
  float buffer64x64[64][64];
  float buffer16x64[16][64];
  float buffer16x16[16][16];
  pdqHash256FromFloatLuma(fullBuffer1, fullBuffer2, numRows, numCols, buffer64x64, buffer16x64, buffer16x16, hash, quality);
  delete[] fullBuffer1;
  delete[] fullBuffer2;
}

int main(int argc, char** argv) {
  cimg_library::cimg::exception_mode(0);
  for (int i = 1; i < argc; i++) {
    double t0 = cpuMs();
    cimg_library::CImg<uint8_t> input;
    try {
      input.load(argv[i]);
    } catch (const cimg_library::CImgException&) {
      printf("ERROR\t%s\n", argv[i]);
      continue;
    }
    double t1 = cpuMs();
    Hash256 fullHash;
    int fullQuality = 0;
    core(input, fullHash, fullQuality);
    double t2 = cpuMs();
    if (input.height() > 512 || input.width() > 512) input = input.resize(512, 512);
    double t3 = cpuMs();
    Hash256 cliHash;
    int cliQuality = 0;
    core(input, cliHash, cliQuality);
    double t4 = cpuMs();
    printf("%s\t%d\t%d\t%.3f\t%.3f\t%s\t%d\t%.3f\t%.3f\t%s\t%d\n", argv[i], input.width(), input.height(), t1 - t0, t2 - t1,
           fullHash.format().c_str(), fullQuality, t3 - t2, t4 - t3, cliHash.format().c_str(), cliQuality);
  }
  return 0;
}
