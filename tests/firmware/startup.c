/*
 * Start-up for the firmware images on qemu-system-arm -M mps2-an386 (a
 * Cortex-M4 with an FPU): the vector table and a reset handler.
 *
 * The code is built with -mfloat-abi=hard, so the FPU must be on before the
 * first floating-point instruction (newlib's start-up may already use one):
 * the reset handler grants full access to CP10 and CP11, then calls newlib's
 * _start (rdimon.specs: semihosting for output, the command line and exit).
 * Link with -Wl,--section-start=.vectors=0x0 -Wl,-u,vector_table.
 *
 * A fault ends the run through semihosting with exit code 126, so a crash
 * is a failed run, not a hang.
 */
#include <stdint.h>

void _start(void);    /* newlib's crt0 */
void _exit(int code); /* rdimon: SYS_EXIT_EXTENDED, the code reaches qemu */

#define SCB_CPACR (*(volatile uint32_t *)0xE000ED88u)
#define STACK_TOP 0x20400000u /* end of the 4 MB SSRAM at 0x20000000 */

static void on_reset(void)
{
    SCB_CPACR |= 0xFu << 20; /* CP10, CP11: full access */
    __asm volatile("dsb\n\tisb" ::: "memory");
    _start();
    _exit(0);
}

static void on_fault(void)
{
    static const char msg[] = "firmware: fault\n";
    /* SYS_WRITE0 straight to the host console, then exit. */
    register uint32_t op __asm("r0") = 0x04u;
    register const char *arg __asm("r1") = msg;
    __asm volatile("bkpt 0xab" : "+r"(op) : "r"(arg) : "memory");
    _exit(126);
}

typedef void vector(void);

__attribute__((section(".vectors"), used)) vector *const vector_table[16] = {
    (vector *)STACK_TOP, /* initial SP */
    on_reset,
    on_fault, /* NMI */
    on_fault, /* HardFault */
    on_fault, /* MemManage */
    on_fault, /* BusFault */
    on_fault, /* UsageFault */
    0,        0, 0, 0,
    on_fault, /* SVCall */
    on_fault, /* DebugMonitor */
    0,
    on_fault, /* PendSV */
    on_fault, /* SysTick */
};
