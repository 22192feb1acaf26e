/* A fake libnvidia-ml.so.1 for energy_test: the NVML entry points greentune resolves,
 * answering from readings the test scripts through the fake_nvml_* functions (found with
 * dlsym on the same library).  Return codes and struct layouts follow nvml.h.
 *
 * Tests that run the real greentune binary (LD_LIBRARY_PATH=this directory) script it
 * with a file instead: FAKE_NVML_STATE=PATH in the environment; the devices are read from
 * PATH at nvmlInit and again at every query (a trial program may rewrite it), one a line:
 *   NAME POWER_MW GPU_PERCENT MEMORY_USED_BYTES MEMORY_TOTAL_BYTES [PID:BYTES ...]
 * with no energy counter (greentune integrates the power samples). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define FAKE_MAX_DEVICES 8
#define FAKE_MAX_PROCESSES 16

enum {
  kSuccess = 0,
  kUninitialized = 1,
  kInvalidArgument = 2,
  kNotSupported = 3,
  kInsufficientSize = 7,
  kDriverNotLoaded = 9,
};

typedef struct {
  unsigned int gpu;
  unsigned int memory;
} FakeUtilization;

typedef struct {
  unsigned long long total;
  unsigned long long free;
  unsigned long long used;
} FakeMemory;

typedef struct { /* nvmlProcessInfo_t, as the _v3 entry point fills it */
  unsigned int pid;
  unsigned long long usedGpuMemory;
  unsigned int gpuInstanceId;
  unsigned int computeInstanceId;
} FakeProcessInfo;

typedef struct { /* nvmlProcessUtilizationSample_t */
  unsigned int pid;
  unsigned long long timeStamp;
  unsigned int smUtil;
  unsigned int memUtil;
  unsigned int encUtil;
  unsigned int decUtil;
} FakeProcessSample;

typedef struct {
  char name[96];
  int has_counter;
  unsigned long long energy_mj;
  unsigned int power_mw;
  FakeUtilization utilization;
  FakeMemory memory;
  unsigned int processes;
  FakeProcessInfo process[FAKE_MAX_PROCESSES];
  /* -1: nvmlDeviceGetProcessUtilization is not supported on this device */
  int sm_samples;
  FakeProcessSample sample[FAKE_MAX_PROCESSES];
} FakeDevice;

/* The CPU timestamp (microseconds) of the samples: one sample period per query. */
static unsigned long long sample_clock_us = 1000000;

static FakeDevice devices[FAKE_MAX_DEVICES];
static unsigned int device_count;
static int init_result;
static int live_inits;

static void load_state(int at_init);

static FakeDevice* device_of(void* handle) {
  FakeDevice* d = (FakeDevice*)handle;
  if (live_inits <= 0 || d < devices || d >= devices + device_count) return 0;
  load_state(0);
  return d;
}

/* ---- scripted from FAKE_NVML_STATE */

/* Reads the state file into the devices; at init it also sets how many there are (later
 * reads keep the count NVML reported, as a real driver's device list is fixed). */
static void load_state(int at_init) {
  const char* path = getenv("FAKE_NVML_STATE");
  if (path == 0 || *path == '\0') return;
  FILE* f = fopen(path, "r");
  if (f == 0) return; /* being rewritten: keep the last state */
  char line[1024];
  unsigned int n = 0;
  while (n < FAKE_MAX_DEVICES && fgets(line, sizeof line, f) != 0) {
    FakeDevice d;
    memset(&d, 0, sizeof d);
    char* rest = line;
    int used = 0;
    unsigned long long mem_used = 0, mem_total = 0;
    if (sscanf(rest, "%95s %u %u %llu %llu%n", d.name, &d.power_mw, &d.utilization.gpu,
               &mem_used, &mem_total, &used) != 5) {
      continue;
    }
    d.memory.used = mem_used;
    d.memory.total = mem_total;
    d.memory.free = mem_total > mem_used ? mem_total - mem_used : 0;
    rest += used;
    unsigned int pid = 0;
    unsigned long long bytes = 0;
    while (d.processes < FAKE_MAX_PROCESSES && sscanf(rest, " %u:%llu%n", &pid, &bytes, &used) == 2) {
      d.process[d.processes].pid = pid;
      d.process[d.processes].usedGpuMemory = bytes;
      ++d.processes;
      rest += used;
    }
    if (at_init || n < device_count) devices[n] = d;
    ++n;
  }
  fclose(f);
  if (at_init) device_count = n;
}

/* ---- control, for the test */

void fake_nvml_reset(void) {
  memset(devices, 0, sizeof devices);
  device_count = 0;
  init_result = kSuccess;
}

void fake_nvml_set_init_result(int rc) { init_result = rc; }

int fake_nvml_live_inits(void) { return live_inits; }

/* Adds a GPU; has_counter = 0 makes nvmlDeviceGetTotalEnergyConsumption unsupported. */
int fake_nvml_add_device(const char* name, int has_counter) {
  if (device_count == FAKE_MAX_DEVICES) return -1;
  FakeDevice* d = &devices[device_count];
  strncpy(d->name, name, sizeof d->name - 1);
  d->has_counter = has_counter;
  d->sm_samples = -1;
  return (int)device_count++;
}

void fake_nvml_set_energy_mj(int index, unsigned long long mj) { devices[index].energy_mj = mj; }

void fake_nvml_set_power_mw(int index, unsigned int mw) { devices[index].power_mw = mw; }

void fake_nvml_set_usage(int index, unsigned int gpu_percent, unsigned long long used_bytes,
                         unsigned long long total_bytes) {
  devices[index].utilization.gpu = gpu_percent;
  devices[index].memory.used = used_bytes;
  devices[index].memory.total = total_bytes;
  devices[index].memory.free = total_bytes - used_bytes;
}

void fake_nvml_set_processes(int index, unsigned int count, const unsigned int* pids,
                             const unsigned long long* used_bytes) {
  FakeDevice* d = &devices[index];
  d->processes = count < FAKE_MAX_PROCESSES ? count : FAKE_MAX_PROCESSES;
  for (unsigned int i = 0; i < d->processes; ++i) {
    d->process[i].pid = pids[i];
    d->process[i].usedGpuMemory = used_bytes[i];
  }
}

/* Per-process SM utilization (percent) from now on; count = -1: not supported. */
void fake_nvml_set_process_sm(int index, int count, const unsigned int* pids,
                              const unsigned int* sm_percent) {
  FakeDevice* d = &devices[index];
  d->sm_samples = count < FAKE_MAX_PROCESSES ? count : FAKE_MAX_PROCESSES;
  for (int i = 0; i < d->sm_samples; ++i) {
    memset(&d->sample[i], 0, sizeof d->sample[i]);
    d->sample[i].pid = pids[i];
    d->sample[i].smUtil = sm_percent[i];
  }
}

/* ---- NVML */

int nvmlInit_v2(void) {
  if (init_result != kSuccess) return init_result;
  load_state(1);
  ++live_inits;
  return kSuccess;
}

int nvmlShutdown(void) {
  if (live_inits <= 0) return kUninitialized;
  --live_inits;
  return kSuccess;
}

const char* nvmlErrorString(int rc) {
  switch (rc) {
    case kSuccess: return "Success";
    case kUninitialized: return "Uninitialized";
    case kNotSupported: return "Not Supported";
    case kDriverNotLoaded: return "Driver Not Loaded";
    default: return "Unknown Error";
  }
}

int nvmlDeviceGetCount_v2(unsigned int* count) {
  if (live_inits <= 0) return kUninitialized;
  *count = device_count;
  return kSuccess;
}

int nvmlDeviceGetHandleByIndex_v2(unsigned int index, void** device) {
  if (live_inits <= 0) return kUninitialized;
  if (index >= device_count) return kInvalidArgument;
  *device = &devices[index];
  return kSuccess;
}

int nvmlDeviceGetName(void* device, char* name, unsigned int length) {
  FakeDevice* d = device_of(device);
  if (!d || length == 0) return kInvalidArgument;
  strncpy(name, d->name, length - 1);
  name[length - 1] = '\0';
  return kSuccess;
}

int nvmlDeviceGetTotalEnergyConsumption(void* device, unsigned long long* energy_mj) {
  FakeDevice* d = device_of(device);
  if (!d) return kInvalidArgument;
  if (!d->has_counter) return kNotSupported;
  *energy_mj = d->energy_mj;
  return kSuccess;
}

int nvmlDeviceGetPowerUsage(void* device, unsigned int* power_mw) {
  FakeDevice* d = device_of(device);
  if (!d) return kInvalidArgument;
  *power_mw = d->power_mw;
  return kSuccess;
}

int nvmlDeviceGetUtilizationRates(void* device, FakeUtilization* rates) {
  FakeDevice* d = device_of(device);
  if (!d) return kInvalidArgument;
  *rates = d->utilization;
  return kSuccess;
}

int nvmlDeviceGetMemoryInfo(void* device, FakeMemory* memory) {
  FakeDevice* d = device_of(device);
  if (!d) return kInvalidArgument;
  *memory = d->memory;
  return kSuccess;
}

int nvmlDeviceGetComputeRunningProcesses_v3(void* device, unsigned int* count,
                                            FakeProcessInfo* infos) {
  FakeDevice* d = device_of(device);
  if (!d) return kInvalidArgument;
  if (*count < d->processes || (infos == 0 && d->processes > 0)) {
    *count = d->processes;
    return kInsufficientSize;
  }
  *count = d->processes;
  for (unsigned int i = 0; i < d->processes; ++i) infos[i] = d->process[i];
  return kSuccess;
}

/* One sample per scripted process, newer than any query before: NVML's NOT_FOUND (6) when
 * lastSeen is already the newest. */
int nvmlDeviceGetProcessUtilization(void* device, FakeProcessSample* samples,
                                    unsigned int* count, unsigned long long last_seen_us) {
  FakeDevice* d = device_of(device);
  if (!d || count == 0) return kInvalidArgument;
  if (d->sm_samples < 0) return kNotSupported;
  if (samples == 0 || *count < (unsigned int)d->sm_samples) {
    *count = (unsigned int)d->sm_samples;
    return kInsufficientSize;
  }
  sample_clock_us += 100000;
  if (last_seen_us >= sample_clock_us || d->sm_samples == 0) {
    *count = 0;
    return 6;
  }
  for (int i = 0; i < d->sm_samples; ++i) {
    samples[i] = d->sample[i];
    samples[i].timeStamp = sample_clock_us;
  }
  *count = (unsigned int)d->sm_samples;
  return kSuccess;
}
