/*
 * SPDX-License-Identifier: GPL-2.0
 *
 * An SSDT for the arm64 guest booted with UEFI and ACPI (profile
 * arm64-acpi): one platform device whose only resource is the register
 * page of the PL031 RTC (which QEMU's virt ACPI tables leave out) and
 * whose _RST clears the RTC's match register.  vfio-platform takes
 * devices described by ACPI by their _HID and resets them through _RST;
 * the platform_acpi selftest checks the match register after a reset.
 * make-initramfs.sh compiles it with iasl and puts it where the kernel's
 * initrd table upgrade finds it (kernel/firmware/acpi/).
 */
DefinitionBlock ("vfio-rst.aml", "SSDT", 2, "VFIO", "RSTTEST", 1)
{
	Scope (\_SB)
	{
		Device (VRST)
		{
			Name (_HID, "VFIO0001")
			Name (_UID, 0)
			Name (_CRS, ResourceTemplate ()
			{
				Memory32Fixed (ReadWrite, 0x09010000, 0x00001000)
			})
			OperationRegion (RTCR, SystemMemory, 0x09010000, 0x1000)
			Field (RTCR, DWordAcc, NoLock, Preserve)
			{
				Offset (0x04),
				RTMR, 32,	/* PL031 match register */
			}
			Method (_STA, 0, NotSerialized)
			{
				Return (0x0F)
			}
			Method (_RST, 0, Serialized)
			{
				RTMR = Zero
			}
		}
	}
}
