<#
.SYNOPSIS
    Reads the hns-cni log (one JSON object per line: time, level, inv, verb, cid, ms, msg, ...), filtered by
    container, verb, level or invocation.
.EXAMPLE
    .\Get-HnsCniLog.ps1 -ContainerId 4f9c -Tail 200
.EXAMPLE
    .\Get-HnsCniLog.ps1 -Level error -Since (Get-Date).AddHours(-1)
#>
[CmdletBinding()]
param(
    [string]$Path,
    [string]$ContainerId,
    [ValidateSet('ADD', 'DEL', 'CHECK', 'GC', 'STATUS', 'VERSION')]
    [string]$Verb,
    [ValidateSet('error', 'warn', 'info', 'debug')]
    [string]$Level,
    [string]$Invocation,
    [datetime]$Since,
    [int]$Tail = 1000
)
. (Join-Path $PSScriptRoot 'HnsCni.Common.ps1')
if (-not $Path) { $Path = $script:HnsCniDefaults.Log }
if (-not (Test-Path -LiteralPath $Path)) { throw "no log at $Path (set log.file in the config or HNS_CNI_LOG)" }
Get-Content -LiteralPath $Path -Tail $Tail | ForEach-Object {
    try { $_ | ConvertFrom-Json } catch { $null }
} | Where-Object {
    $_ -and
    (-not $ContainerId -or ($_.cid -and $_.cid.StartsWith($ContainerId))) -and
    (-not $Verb -or $_.verb -eq $Verb) -and
    (-not $Level -or $_.level -eq $Level) -and
    (-not $Invocation -or $_.inv -eq $Invocation) -and
    (-not $Since -or ([datetime]$_.time) -ge $Since)
}
