/* The keypad digits of a WAV file by spandsp's dtmf_rx, read with libsndfile in blocks of 4096 samples:
 * the peer of `ivr dtmf` in scripts/benchmark-dtmf (built there with gcc -O2). Prints the digits on one line. */
#include <stdio.h>
#include <sndfile.h>
#include <spandsp.h>
static void digits(void *user, const char *d, int len) { fwrite(d, 1, len, stdout); }
int main(int argc, char **argv) {
    SF_INFO info = {0};
    SNDFILE *file = sf_open(argv[1], SFM_READ, &info);
    if (!file || info.channels != 1 || info.samplerate != 8000) { fprintf(stderr, "%s: need mono 8 kHz audio\n", argv[1]); return 1; }
    dtmf_rx_state_t *rx = dtmf_rx_init(NULL, digits, NULL);
    int16_t block[4096];
    sf_count_t n;
    while ((n = sf_readf_short(file, block, 4096)) > 0) dtmf_rx(rx, block, (int) n);
    putchar('\n');
    sf_close(file);
    return 0;
}
