<#
.SYNOPSIS
    Runs one CNI verb of hns-cni by hand, the way containerd does (cnitool does not work with HCN namespace GUIDs).
.DESCRIPTION
    Sets CNI_COMMAND, CNI_CONTAINERID, CNI_NETNS, CNI_IFNAME, CNI_PATH and CNI_ARGS, feeds the plugin's entry of the
    conflist on stdin (with cniVersion and name injected, as libcni does), and prints the JSON answer.
    Use -Plan to see the HCN calls and documents an ADD would make without changing anything.
.EXAMPLE
    $ns = (& hns-cni.exe hns namespace-create)
    .\Invoke-HnsCni.ps1 -Command ADD -ContainerId test1 -Netns $ns
.EXAMPLE
    .\Invoke-HnsCni.ps1 -Command DEL -ContainerId test1 -Netns ''
.EXAMPLE
    .\Invoke-HnsCni.ps1 -Plan -ContainerId test1 -Netns $ns
#>
[CmdletBinding()]
param(
    [ValidateSet('ADD', 'DEL', 'CHECK', 'GC', 'STATUS', 'VERSION')]
    [string]$Command = 'ADD',
    [string]$ContainerId = 'hns-cni-debug',
    [string]$Netns = '',
    [string]$IfName = 'eth0',
    [string]$ConfList,
    [string]$CniArgs = 'IgnoreUnknown=1;K8S_POD_NAMESPACE=default;K8S_POD_NAME=hns-cni-debug',
    [string]$Exe,
    [switch]$Plan
)
. (Join-Path $PSScriptRoot 'HnsCni.Common.ps1')
$exePath = Resolve-HnsCniExe -Path $Exe
if (-not $ConfList) {
    $ConfList = Get-ChildItem -LiteralPath $script:HnsCniDefaults.ConfDir -Filter '*.conf*' |
        Sort-Object Name | Select-Object -First 1 -ExpandProperty FullName
    if (-not $ConfList) { throw "no conflist in $($script:HnsCniDefaults.ConfDir); pass -ConfList." }
}
$list = Get-Content -LiteralPath $ConfList -Raw | ConvertFrom-Json
$plugin = if ($list.PSObject.Properties.Name -contains 'plugins') {
    $list.plugins | Where-Object { $_.type -eq 'hns-cni' } | Select-Object -First 1
} else { $list }
if (-not $plugin) { throw "no plugin of type hns-cni in $ConfList" }
$plugin | Add-Member -NotePropertyName cniVersion -NotePropertyValue $list.cniVersion -Force
$plugin | Add-Member -NotePropertyName name -NotePropertyValue $list.name -Force
$stdin = $plugin | ConvertTo-Json -Depth 20 -Compress

$env:CNI_COMMAND = $Command
$env:CNI_CONTAINERID = $ContainerId
$env:CNI_NETNS = $Netns
$env:CNI_IFNAME = $IfName
$env:CNI_ARGS = $CniArgs
$env:CNI_PATH = Split-Path -Parent $exePath
$arguments = @()
if ($Plan) { $arguments = @('plan') }
try {
    $answer = $stdin | & $exePath @arguments
    $exit = $LASTEXITCODE
} finally {
    foreach ($v in 'CNI_COMMAND', 'CNI_CONTAINERID', 'CNI_NETNS', 'CNI_IFNAME', 'CNI_ARGS', 'CNI_PATH') {
        Remove-Item "env:$v" -ErrorAction SilentlyContinue
    }
}
if ($answer) { $answer }
if ($exit -ne 0) {
    Write-Warning "hns-cni exited with $exit; the log is at $($script:HnsCniDefaults.Log)"
}
exit $exit
