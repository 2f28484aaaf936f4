// Physical-limit probe for small broadcasts on this machine: one pinned thread writes the same small frame to
// BURST consecutive loopback TCP sockets (TCP_NODELAY) starting at a random one, BURSTS times, paced at RATE
// bursts/s with one timer sleep between bursts; a pinned child process reads them all with epoll and is mostly
// asleep, as a browser-facing server's readers are. It prints the writer's CPU per write (sleeps included): the floor
// for "one write per socket per message" when each message goes to a few sockets whose readers must be woken, which
// costs more than writing to readers that are already busy (fanout_limit.c).
// Build: gcc -O2 -o paced_limit paced_limit.c   Run: ./paced_limit SOCKETS BURSTS FRAME_BYTES BURST RATE
#define _GNU_SOURCE
#include <sched.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static double now(void) { struct timespec t; clock_gettime(CLOCK_MONOTONIC, &t); return t.tv_sec + t.tv_nsec / 1e9; }
static void pin(int cpu) { cpu_set_t s; CPU_ZERO(&s); CPU_SET(cpu, &s); sched_setaffinity(0, sizeof s, &s); }
static double cpu_seconds(void) {
  struct rusage ru; getrusage(RUSAGE_SELF, &ru);
  return ru.ru_utime.tv_sec + ru.ru_utime.tv_usec / 1e6 + ru.ru_stime.tv_sec + ru.ru_stime.tv_usec / 1e6;
}

int main(int argc, char **argv) {
  if (argc < 6) { fprintf(stderr, "usage: paced_limit SOCKETS BURSTS FRAME_BYTES BURST RATE\n"); return 64; }
  int n = atoi(argv[1]), bursts = atoi(argv[2]), fsz = atoi(argv[3]), burst = atoi(argv[4]);
  double rate = atof(argv[5]);
  if (n < 1 || bursts < 1 || fsz < 2 || fsz > 127 || burst < 1 || burst > n || rate <= 0) {
    fprintf(stderr, "paced_limit: bad arguments\n"); return 64;
  }
  int ls = socket(AF_INET, SOCK_STREAM, 0), one = 1;
  setsockopt(ls, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = 0, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
  bind(ls, (void *)&a, sizeof a); listen(ls, 8192);
  socklen_t al = sizeof a; getsockname(ls, (void *)&a, &al);
  long total = (long)bursts * burst * fsz;
  pid_t pid = fork();
  if (pid == 0) { // reader
    pin(0);
    int ep = epoll_create1(0), *c = malloc(n * sizeof(int));
    for (int i = 0; i < n; i++) {
      c[i] = socket(AF_INET, SOCK_STREAM, 0);
      if (connect(c[i], (void *)&a, sizeof a)) { perror("connect"); _exit(1); }
      struct epoll_event e = {.events = EPOLLIN, .data.fd = c[i]};
      epoll_ctl(ep, EPOLL_CTL_ADD, c[i], &e);
    }
    long got = 0; char buf[65536]; struct epoll_event ev[512];
    while (got < total) {
      int k = epoll_wait(ep, ev, 512, 5000);
      if (k <= 0) break;
      for (int j = 0; j < k; j++) { ssize_t r = read(ev[j].data.fd, buf, sizeof buf); if (r > 0) got += r; }
    }
    _exit(got == total ? 0 : 2);
  }
  pin(1);
  int *s = malloc(n * sizeof(int));
  for (int i = 0; i < n; i++) {
    s[i] = accept(ls, 0, 0);
    setsockopt(s[i], IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  }
  char *f = malloc(fsz); memset(f, 'x', fsz); f[0] = (char)0x81; f[1] = (char)(fsz - 2);
  unsigned seed = 1;
  double cpu0 = cpu_seconds(), t0 = now(), writing = 0;
  for (long b = 0; b < bursts; b++) {
    double due = t0 + b / rate;
    struct timespec ts = {.tv_sec = (time_t)due, .tv_nsec = (long)((due - (time_t)due) * 1e9)};
    clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, 0);
    double w0 = now();
    int first = rand_r(&seed) % (n - burst + 1);
    for (int i = 0; i < burst; i++) {
      if (write(s[first + i], f, fsz) != fsz) { perror("write"); return 1; }
    }
    writing += now() - w0;
  }
  double cpu = cpu_seconds() - cpu0, t = now() - t0;
  int st; waitpid(pid, &st, 0);
  long writes = (long)bursts * burst;
  printf("sockets=%d bursts=%d burst=%d rate=%.0f frame=%dB time=%.3fs writes_per_s=%.0f "
         "writer_cpu_us_per_delivery=%.2f writing_us_per_write=%.2f reader_ok=%d\n",
         n, bursts, burst, rate, fsz, t, writes / t, cpu * 1e6 / writes, writing * 1e6 / writes,
         WIFEXITED(st) && WEXITSTATUS(st) == 0);
  return 0;
}
